// Command hello prints a greeting: the smallest program worth putting in a
// scratch image.
package main

import "fmt"

func main() {
	fmt.Println("Hello from a scratch image!")
}
