// Command greeter is the app of docs/migration.md: the same program built
// by a Dockerfile, rules_oci, rules_docker, ko and rules_scratch.
package main

import (
	"fmt"
	"os"
)

func main() {
	name := os.Getenv("GREETING_NAME")
	if name == "" {
		name = "world"
	}
	fmt.Printf("Hello, %s, from scratch\n", name)
}
