// Package essentials writes the files a scratch image lacks and most
// programs expect: a CA certificate bundle and time zone data. Both come
// from pinned sources (a Go module and the Go SDK), never from the build
// machine, so that they are the same on every machine.
package essentials
