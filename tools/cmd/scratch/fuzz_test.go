package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
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
