// Command hello-world is the "builder stage" of the CEKit scratch example: a
// static binary that reports what the image around it holds.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	fmt.Println("Hello from the CEKit scratch example!")
	fmt.Printf("CEKIT_TEST=%s\n", os.Getenv("CEKIT_TEST"))
	var files []string
	for _, root := range []string{"/files", "/target"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return err
		})
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s: %s", f, data)
	}
}
