package diff

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/image"
)

// FuzzOpenTarball reads arbitrary bytes as an image tarball and compares
// it with itself: an error, or no difference; never a panic, and nothing
// left in the temporary directory.
func FuzzOpenTarball(f *testing.F) {
	layout := build(f, image.Config{Entrypoint: []string{"/app/x"}}, map[string]string{"/app/x": "x"})
	tarball := filepath.Join(f.TempDir(), "image.tar")
	out, err := os.Create(tarball)
	if err != nil {
		f.Fatal(err)
	}
	if err := image.WriteTarball(out, layout, []string{"app:v1"}, ""); err != nil {
		f.Fatal(err)
	}
	out.Close()
	data, _ := os.ReadFile(tarball)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("index.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		path := filepath.Join(t.TempDir(), "in.tar")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		target, done, err := Open(path)
		if err == nil {
			if differences, err := Compare(target, target); err == nil && len(differences) != 0 {
				t.Fatalf("an image differs from itself: %v", differences)
			}
			LockTarget(target)
		}
		done()
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Fatalf("left behind: %v", left)
		}
	})
}
