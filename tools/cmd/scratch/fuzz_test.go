package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// FuzzParamsAndEntries reads arbitrary bytes as a params file and decodes
// each argument as an --entry: no panic, and an entry that decodes
// encodes back to the same entry.
func FuzzParamsAndEntries(f *testing.F) {
	f.Add([]byte("layer\n--entry\n{\"kind\":\"file\",\"path\":\"/app/hello\",\"src\":\"hello\",\"mode\":493}\n"))
	f.Add([]byte("{\"kind\":\"tar\",\"path\":\"/\",\"src\":\"r.tgz\",\"keep_mtimes\":true,\"allow_devices\":true}"))
	f.Add([]byte("{\"kind\":\"file\",\"path\":\"/a\",\"source\":\"x\"}\n\n\n"))
	f.Add([]byte("@nested\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		params := filepath.Join(t.TempDir(), "params")
		if err := os.WriteFile(params, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args, err := expandParamFiles([]string{"@" + params})
		if err != nil {
			t.Fatalf("a readable params file is refused: %v", err)
		}
		for _, arg := range args {
			var e layer.Entry
			if decodeStrict(arg, &e) != nil {
				continue
			}
			again, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var e2 layer.Entry
			if err := decodeStrict(string(again), &e2); err != nil || !reflect.DeepEqual(e, e2) {
				t.Fatalf("%s decodes to %+v, which encodes to %s and decodes to %+v (%v)", arg, e, again, e2, err)
			}
		}
	})
}

// FuzzLayerVerb runs the layer verb on arbitrary bytes as a tar: it writes
// its two outputs and nothing else, or fails naming an entry and leaves its
// output directory empty. (FuzzTar in tools/layer checks the layer bytes.)
func FuzzLayerVerb(f *testing.F) {
	f.Add(tarOf(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/passwd", Mode: 0o644, Size: 5}, []byte("root\n")))
	f.Add(tarOf(&tar.Header{Typeflag: tar.TypeReg, Name: "../../etc/passwd", Mode: 0o644}, nil))
	f.Add(tarOf(&tar.Header{Typeflag: tar.TypeSymlink, Name: "up", Linkname: "../..", Mode: 0o777}, nil))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := filepath.Join(t.TempDir(), "in.tar")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		entry, _ := json.Marshal(map[string]string{"kind": "tar", "path": "/", "src": src})
		err := run([]string{"layer", "--entry", string(entry), "--output", filepath.Join(dir, "layer.tar.gz"), "--descriptor", filepath.Join(dir, "layer.json")})
		left := dirNames(t, dir)
		if err != nil {
			if !strings.Contains(err.Error(), `entry "`) {
				t.Fatalf("the error names no entry: %v", err)
			}
			if len(left) > 0 {
				t.Fatalf("a failure left %v behind", left)
			}
			return
		}
		if !reflect.DeepEqual(left, []string{"layer.json", "layer.tar.gz"}) {
			t.Fatalf("a success left %v", left)
		}
	})
}

func tarOf(h *tar.Header, body []byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(h)
	tw.Write(body)
	tw.Close()
	return buf.Bytes()
}
