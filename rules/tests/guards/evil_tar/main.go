// Command evil_tar writes a tar that tries to escape the image root, for the
// e2e check that scratch_layer refuses it.
package main

import (
	"archive/tar"
	"flag"
	"log"
	"os"
)

func main() {
	output := flag.String("output", "", "the tar to write")
	kind := flag.String("kind", "dotdot", "dotdot or device")
	flag.Parse()
	f, err := os.Create(*output)
	if err != nil {
		log.Fatal(err)
	}
	tw := tar.NewWriter(f)
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: "../../etc/passwd", Mode: 0o644, Size: 5}
	if *kind == "device" {
		hdr = &tar.Header{Typeflag: tar.TypeBlock, Name: "dev/sda", Mode: 0o600, Devmajor: 8}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		log.Fatal(err)
	}
	tw.Write([]byte("evil\n")[:hdr.Size])
	if err := tw.Close(); err != nil {
		log.Fatal(err)
	}
	f.Close()
}
