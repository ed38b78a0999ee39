package tests_test

import (
	"archive/tar"
	"flag"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

var (
	layerPath = flag.String("layer", "", "$(rlocationpath) of :all_entries")
	usersPath = flag.String("users", "", "$(rlocationpath) of :users")
)

func TestUsers(t *testing.T) {
	files := map[string]imagetest.Entry{}
	var names []string
	for _, e := range imagetest.BlobFiles(t, *usersPath) {
		files[e.Name] = e
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "etc/ etc/group etc/passwd home/ home/app/ home/worker/ root/" {
		t.Errorf("entries: %s", got)
	}
	wantPasswd := "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\nworker:x:1001:1000:worker:/home/worker:/sbin/nologin\n"
	if got := string(files["etc/passwd"].Body); got != wantPasswd {
		t.Errorf("/etc/passwd:\n%s\nwant\n%s", got, wantPasswd)
	}
	if got := string(files["etc/group"].Body); got != "root:x:0:\napp:x:1000:\n" {
		t.Errorf("/etc/group:\n%s", got)
	}
	if h := files["home/worker/"]; h.Uid != 1001 || h.Gid != 1000 || h.Mode != 0o755 {
		t.Errorf("home/worker: %d:%d %o", h.Uid, h.Gid, h.Mode)
	}
	if h := files["root/"]; h.Mode != 0o700 {
		t.Errorf("root: %o", h.Mode)
	}
}

type header struct {
	typ      byte
	mode     int64
	uid, gid int
	names    string
	link     string
	mtime    int64
}

// TestAllEntries checks each kind of entry and each per-entry attribute of
// scratch_layer as written in the layer.
func TestAllEntries(t *testing.T) {
	got := map[string]header{}
	var names []string
	for _, e := range imagetest.BlobFiles(t, *layerPath) {
		h := e.Header
		names = append(names, h.Name)
		got[h.Name] = header{h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname + ":" + h.Gname, h.Linkname, h.ModTime.Unix()}
	}
	const day = 86400
	want := map[string]header{
		"app/reader": {tar.TypeReg, 0o755, 0, 0, ":", "", day},
		"app/reader.runfiles/_main/rules/tests/runfiles_reader/testdata/greeting.txt": {tar.TypeReg, 0o644, 0, 0, ":", "", day},
		// The first name in the archive holds the data, the other links to it.
		"etc/plain-link.txt":           {tar.TypeReg, 0o600, 0, 0, ":", "", day},
		"etc/plain.txt":                {tar.TypeLink, 0o644, 0, 0, ":", "etc/plain-link.txt", day},
		"etc/more/BUILD.bazel":         {tar.TypeReg, 0o644, 0, 0, ":", "", day},
		"etc/more/failure_test.bzl":    {tar.TypeReg, 0o644, 0, 0, ":", "", day},
		"etc/abs":                      {tar.TypeSymlink, 0o777, 0, 0, ":", "/etc/plain.txt", day},
		"etc/rel":                      {tar.TypeSymlink, 0o777, 0, 0, ":", "plain.txt", day},
		"var/lib/app/":                 {tar.TypeDir, 0o700, 1000, 50, "app:staff", "", day},
		"srv/testdata/static/site.css": {tar.TypeReg, 0o644, 0, 0, ":", "", day},
		// From the tar: modes, owner names and (keep_tar_mtimes) times kept.
		"opt/rootfs/bin/greet":     {tar.TypeReg, 0o755, 0, 0, "root:root", "", 1713077916},
		"opt/rootfs/bin/sh":        {tar.TypeSymlink, 0o777, 0, 0, "root:root", "greet", 1713077916},
		"opt/rootfs/usr/bin/greet": {tar.TypeLink, 0o755, 0, 0, "root:root", "opt/rootfs/bin/greet", 1713077916},
		"opt/rootfs/tmp/":          {tar.TypeDir, 0o1777, 0, 0, "root:root", "", 1713077916},
		"opt/":                     {tar.TypeDir, 0o755, 0, 0, ":", "", day},
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s:\n got %+v (present: %v)\nwant %+v", name, g, ok, w)
		}
	}
	for i := 1; i < len(names); i++ {
		if strings.TrimSuffix(names[i-1], "/") >= strings.TrimSuffix(names[i], "/") {
			t.Errorf("entries not sorted: %q before %q", names[i-1], names[i])
		}
	}
}
