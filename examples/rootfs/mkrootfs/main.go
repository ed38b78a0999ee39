// Command mkrootfs writes the example's mini root file system tarball, as a
// distribution ships one (alpine-minirootfs.tgz, say): entries in no
// particular order, with real-looking times and a few links.
package main

import (
	"archive/tar"
	"compress/gzip"
	"flag"
	"log"
	"os"
	"time"
)

func main() {
	greet := flag.String("greet", "", "the static program to put at /bin/greet")
	output := flag.String("output", "", "the .tgz to write")
	flag.Parse()
	program, err := os.ReadFile(*greet)
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create(*output)
	if err != nil {
		log.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	tw := tar.NewWriter(zw)
	when := time.Date(2024, 4, 14, 6, 58, 36, 0, time.UTC)
	files := []struct {
		hdr  tar.Header
		body string
	}{
		{tar.Header{Typeflag: tar.TypeDir, Name: "./", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./etc/", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeReg, Name: "./etc/os-release", Mode: 0o644}, "NAME=\"Scratch Mini\"\nPRETTY_NAME=\"Scratch Mini Root FS 1.0\"\nID=scratch-mini\n"},
		{tar.Header{Typeflag: tar.TypeReg, Name: "./etc/motd", Mode: 0o644}, "Welcome to a root file system added onto scratch.\n"},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./bin/", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeReg, Name: "./bin/greet", Mode: 0o755}, string(program)},
		{tar.Header{Typeflag: tar.TypeSymlink, Name: "./bin/sh", Linkname: "greet", Mode: 0o777}, ""},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./usr/", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./usr/bin/", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeLink, Name: "./usr/bin/greet", Linkname: "./bin/greet", Mode: 0o755}, ""},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./tmp/", Mode: 0o1777}, ""},
		{tar.Header{Typeflag: tar.TypeDir, Name: "./root/", Mode: 0o700}, ""},
	}
	for _, f := range files {
		hdr := f.hdr
		hdr.ModTime, hdr.Size, hdr.Uname, hdr.Gname = when, int64(len(f.body)), "root", "root"
		if err := tw.WriteHeader(&hdr); err != nil {
			log.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			log.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, zw, out} {
		if err := c.Close(); err != nil {
			log.Fatal(err)
		}
	}
}
