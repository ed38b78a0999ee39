// Command greet is the one program of the example's mini root file system: it
// says which system it runs in, as a distribution's shell would at login.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	name := "unknown"
	if f, err := os.Open("/etc/os-release"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "PRETTY_NAME="); ok {
				name = strings.Trim(v, `"`)
			}
		}
		f.Close()
	}
	motd, _ := os.ReadFile("/etc/motd")
	fmt.Printf("%s: running in %s\n%s", os.Args[0], name, motd)
}
