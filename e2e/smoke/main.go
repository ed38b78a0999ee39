// Command smoke checks, from inside its image, what the rules put there.
package main

import (
	"fmt"
	"os"
)

func main() {
	info, err := os.Stat("/tmp")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Printf("smoke: uid %d, /tmp %v\n", os.Getuid(), info.Mode())
}
