package structure

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"debug/elf"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-scratch/rules_scratch/tools/imagetest/elftest"
)

// The test binary is also the program command tests run in the images:
// static (the go_test is pure), so it starts in an empty root.
func TestMain(m *testing.M) {
	if os.Getenv("STRUCTURE_TEST_HELPER") == "1" {
		wd, _ := os.Getwd()
		fmt.Printf("args=%s uid=%d gid=%d cwd=%s greeting=%s\n", strings.Join(os.Args[1:], ","), os.Getuid(), os.Getgid(), wd, os.Getenv("GREETING"))
		_, err := os.Stat("/etc/hostname-of-host")
		fmt.Fprintf(os.Stderr, "to stderr; host file visible: %v\n", err == nil)
		code, _ := strconv.Atoi(os.Getenv("EXIT"))
		os.Exit(code)
	}
	// The helper above started inside an image, so it is static; this run
	// is the one that will copy it into images.
	if exe, err := os.Executable(); err == nil {
		if f, err := elf.Open(exe); err == nil {
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					fmt.Fprintln(os.Stderr, "this test binary is dynamically linked, so it cannot start in the empty images the tests run it in: run CGO_ENABLED=0 go test (bazel test builds it pure)")
					os.Exit(1)
				}
			}
			f.Close()
		}
	}
	os.Exit(m.Run())
}

var helper = sync.OnceValue(func() []byte {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		panic(err)
	}
	return data
})

// file is one tar entry of a test layer.
type file struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	content  string
	link     string
}

func reg(name string, mode int64, content string) file {
	return file{name: name, typ: tar.TypeReg, mode: mode, content: content}
}
func dir(name string, mode int64) file { return file{name: name, typ: tar.TypeDir, mode: mode} }
func symlink(name, target string) file {
	return file{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func hardlink(name, target string) file {
	return file{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}
func whiteout(name string) file  { return reg(whiteoutName(name, ".wh."), 0o644, "") }
func opaque(dirName string) file { return reg(dirName+"/.wh..wh..opq", 0o644, "") }
func whiteoutName(name, prefix string) string {
	i := strings.LastIndex(name, "/")
	return name[:i+1] + prefix + name[i+1:]
}

// countedLayer counts how often its content is read.
type countedLayer struct {
	v1.Layer
	reads *int
}

func (l countedLayer) Uncompressed() (io.ReadCloser, error) {
	*l.reads++
	return l.Layer.Uncompressed()
}

func layerOf(t testing.TB, files ...file) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: f.typ, Mode: f.mode, Uid: f.uid, Gid: f.gid, Linkname: f.link, Size: int64(len(f.content))}
		if f.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)[:h.Size]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return static.NewLayer(b.Bytes(), types.OCIUncompressedLayer)
}

func imageOf(t testing.TB, arch string, config v1.Config, layers ...[]file) v1.Image {
	t.Helper()
	img := empty.Image
	for _, files := range layers {
		var err error
		if img, err = mutate.AppendLayers(img, layerOf(t, files...)); err != nil {
			t.Fatal(err)
		}
	}
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: arch, Config: config})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// base is a small image: the helper program, a user, a symlinked
// directory, a setuid file, and files of the lower layer that the upper
// layer whites out or hides behind an opaque directory.
func base(t testing.TB) v1.Image {
	lower := []file{
		dir("app", 0o755),
		reg("app/helper", 0o755, string(helper())),
		{name: "app/tool", typ: tar.TypeReg, mode: 0o750, uid: 0, gid: 10, content: "for permission tests"},
		reg("etc/passwd", 0o644, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		reg("etc/group", 0o644, "root:x:0:\nnonroot:x:65532:\n"),
		reg("etc/gone", 0o644, "whited out"),
		dir("data", 0o755),
		reg("data/old", 0o644, "hidden by the opaque directory"),
		reg("etc/version", 0o644, "version 1\n"),
		dir("opt/real", 0o755),
		symlink("opt/link", "/opt/real"),
		reg("opt/link/inside", 0o600, "reached through a symlinked directory"),
		{name: "usr/bin/su", typ: tar.TypeReg, mode: 0o4755, content: "not really su"},
	}
	upper := []file{
		whiteout("etc/gone"),
		opaque("data"),
		reg("data/new", 0o644, "added with the opaque directory"),
		reg("etc/version", 0o644, "version 2\n"),
		symlink("etc/current", "../etc/version"),
		symlink("etc/dangling", "/nowhere"),
		hardlink("app/again", "app/tool"),
		dir("tmp", 0o1777),
	}
	return imageOf(t, runtime.GOARCH, v1.Config{
		Entrypoint:   []string{"/app/helper"},
		Cmd:          []string{"serve"},
		Env:          []string{"PATH=/app:/bin", "STRUCTURE_TEST_HELPER=1", "GREETING=hello"},
		User:         "nonroot",
		WorkingDir:   "/work",
		Labels:       map[string]string{"org.opencontainers.image.version": "1.2.3"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
	}, lower, upper)
}

// run tests img with one YAML document and returns its one result.
func runOne(t *testing.T, img v1.Image, yamlText string, checks Checks) Result {
	t.Helper()
	var configs []*Config
	if yamlText != "" {
		c, err := ParseConfig("t.yaml", []byte("schemaVersion: 2.0.0\n"+yamlText))
		if err != nil {
			t.Fatal(err)
		}
		configs = append(configs, c)
	}
	suite, err := Test(Image{Image: img}, Options{Configs: configs, Checks: checks, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(suite.Results) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(suite.Results), suite.Results)
	}
	return suite.Results[0]
}

// TestCases runs one case per schema key and per check: the ones with a
// want must fail saying it, the others pass (as container-structure-test
// decides).
func TestCases(t *testing.T) {
	img := base(t)
	cases := []struct {
		name, yaml string
		want       string // a part of the failure; empty: passes
	}{
		{"env", "metadataTest:\n  env: [{key: GREETING, value: hello}]", ""},
		{"env differs", "metadataTest:\n  env: [{key: GREETING, value: bye}]", `env GREETING: expected "bye", got "hello"`},
		{"env missing", "metadataTest:\n  env: [{key: NOPE, value: x}]", "the image has no env NOPE"},
		{"env regex", "metadataTest:\n  env: [{key: PATH, value: '^/app:', isRegex: true}]", ""},
		{"env regex differs", "metadataTest:\n  env: [{key: PATH, value: '^/usr', isRegex: true}]", `expected to match "^/usr"`},
		{"labels regex", "metadataTest:\n  labels: [{key: org.opencontainers.image.version, value: '^1\\.\\d+', isRegex: true}]", ""},
		{"labels differ", "metadataTest:\n  labels: [{key: org.opencontainers.image.version, value: '2.0'}]", `label org.opencontainers.image.version: expected "2.0", got "1.2.3"`},
		{"exposedPorts", "metadataTest:\n  exposedPorts: ['8080', '8080/tcp']", ""},
		{"exposedPorts missing", "metadataTest:\n  exposedPorts: ['9090']", "exposed port 9090: expected, but the image has 8080"},
		{"unexposedPorts", "metadataTest:\n  unexposedPorts: ['9090']", ""},
		{"unexposedPorts exposed", "metadataTest:\n  unexposedPorts: ['8080']", "exposed port 8080: expected absent"},
		{"volumes", "metadataTest:\n  volumes: [/data]", ""},
		{"volumes missing", "metadataTest:\n  volumes: [/cache]", "volume /cache: expected"},
		{"unmountedVolumes", "metadataTest:\n  unmountedVolumes: [/cache]", ""},
		{"unmountedVolumes mounted", "metadataTest:\n  unmountedVolumes: [/data]", "volume /data: expected absent"},
		{"entrypoint", "metadataTest:\n  entrypoint: [/app/helper]", ""},
		{"entrypoint differs", "metadataTest:\n  entrypoint: []", `entrypoint: expected [], got ["/app/helper"]`},
		{"cmd", "metadataTest:\n  cmd: [serve]", ""},
		{"cmd differs", "metadataTest:\n  cmd: [serve, --debug]", `cmd: expected ["serve" "--debug"], got ["serve"]`},
		{"workdir", "metadataTest:\n  workdir: /work", ""},
		{"workdir differs", "metadataTest:\n  workdir: /", `workdir: expected "/", got "/work"`},
		{"user", "metadataTest:\n  user: nonroot", ""},
		{"user differs", "metadataTest:\n  user: root", `user: expected "root", got "nonroot"`},

		{"exists", "fileExistenceTests: [{name: t, path: /app/helper, shouldExist: true}]", ""},
		{"does not exist", "fileExistenceTests: [{name: t, path: /app/nope, shouldExist: true}]", "/app/nope: expected to exist"},
		{"absent", "fileExistenceTests: [{name: t, path: /bin/sh, shouldExist: false}]", ""},
		{"present, should be absent", "fileExistenceTests: [{name: t, path: /app/helper, shouldExist: false}]", "expected absent, but the image has a regular file there"},
		{"whiteout removes", "fileExistenceTests: [{name: t, path: /etc/gone, shouldExist: false}]", ""},
		{"opaque hides the lower layer", "fileExistenceTests: [{name: t, path: /data/old, shouldExist: true}]", "/data/old: expected to exist"},
		{"opaque keeps its own layer", "fileExistenceTests: [{name: t, path: /data/new, shouldExist: true}]", ""},
		{"symlinked directory", "fileExistenceTests: [{name: t, path: /opt/link/inside, shouldExist: true, permissions: '-rw-------'}]", ""},
		{"file written through a symlinked directory", "fileExistenceTests: [{name: t, path: /opt/real/inside, shouldExist: true}]", ""},
		{"dangling symlink is absent", "fileExistenceTests: [{name: t, path: /etc/dangling, shouldExist: true}]", "/etc/dangling (/nowhere): expected to exist"},
		{"permissions", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, permissions: '-rwxr-x---'}]", ""},
		{"permissions differ", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, permissions: '-rwxr-xr-x'}]", "permissions: expected -rwxr-xr-x, got -rwxr-x---"},
		{"setuid permissions", "fileExistenceTests: [{name: t, path: /usr/bin/su, shouldExist: true, permissions: 'urwxr-xr-x'}]", ""},
		{"sticky directory", "fileExistenceTests: [{name: t, path: /tmp, shouldExist: true, permissions: 'dtrwxrwxrwx'}]", ""},
		{"uid", "fileExistenceTests: [{name: t, path: /app/helper, shouldExist: true, uid: 0}]", ""},
		{"uid differs", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, uid: 65532}]", "uid: expected 65532, got 0"},
		{"gid", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, gid: 10}]", ""},
		{"gid differs", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, gid: 0}]", "gid: expected 0, got 10"},
		{"isExecutableBy group", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, isExecutableBy: group}]", ""},
		{"isExecutableBy other", "fileExistenceTests: [{name: t, path: /app/tool, shouldExist: true, isExecutableBy: other}]", "expected executable by other, but its mode is -rwxr-x---"},
		{"hard link keeps the mode", "fileExistenceTests: [{name: t, path: /app/again, shouldExist: true, isExecutableBy: owner}]", ""},

		{"expectedContents", "fileContentTests: [{name: t, path: /etc/version, expectedContents: ['^version 2\\n$']}]", ""},
		{"expectedContents of the lower layer", "fileContentTests: [{name: t, path: /etc/version, expectedContents: ['version 1']}]", `expected to match "version 1"`},
		{"expectedContents through a symlink", "fileContentTests: [{name: t, path: /etc/current, expectedContents: ['version 2']}]", ""},
		{"excludedContents", "fileContentTests: [{name: t, path: /etc/passwd, excludedContents: ['^nobody:']}]", ""},
		{"excludedContents found", "fileContentTests: [{name: t, path: /etc/passwd, excludedContents: ['(?m)^nonroot:']}]", `expected not to match "(?m)^nonroot:", but "nonroot:" does`},
		{"content of a directory", "fileContentTests: [{name: t, path: /data, expectedContents: ['x']}]", "/data is a directory, not a regular file"},

		{"command", "commandTests: [{name: t, command: helper, args: [a, b], expectedOutput: ['args=a,b uid=65532 gid=65532 cwd=/work greeting=hello']}]", ""},
		{"command isolated from the host's files", "commandTests: [{name: t, command: /app/helper, expectedError: ['host file visible: false']}]", ""},
		{"exitCode", "commandTests: [{name: t, command: helper, envVars: [{key: EXIT, value: '3'}], exitCode: 3}]", ""},
		{"exitCode differs", "commandTests: [{name: t, command: helper, envVars: [{key: EXIT, value: '3'}]}]", "exit code: expected 0, got 3"},
		{"envVars expand the image's", "commandTests: [{name: t, command: helper, envVars: [{key: GREETING, value: '$GREETING, world'}], expectedOutput: ['greeting=hello, world']}]", ""},
		{"expectedOutput differs", "commandTests: [{name: t, command: helper, expectedOutput: ['greeting=bye']}]", `stdout: expected to match "greeting=bye"`},
		{"excludedOutput", "commandTests: [{name: t, command: helper, excludedOutput: ['uid=0 ']}]", ""},
		{"excludedOutput found", "commandTests: [{name: t, command: helper, excludedOutput: ['uid=65532']}]", `stdout: expected not to match "uid=65532"`},
		{"expectedError", "commandTests: [{name: t, command: helper, expectedError: ['to stderr']}]", ""},
		{"expectedError differs", "commandTests: [{name: t, command: helper, expectedError: ['panic']}]", `stderr: expected to match "panic"`},
		{"excludedError found", "commandTests: [{name: t, command: helper, excludedError: ['stderr']}]", `stderr: expected not to match "stderr"`},
		{"command not on PATH", "commandTests: [{name: t, command: sh}]", "command sh: not found on the image's PATH /app:/bin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, img, tc.yaml, Checks{})
			if r.NotRun != "" {
				t.Fatalf("not run: %s", r.NotRun)
			}
			if tc.want == "" && r.Failure != "" {
				t.Fatalf("failed: %s", r.Failure)
			}
			if tc.want != "" && !strings.Contains(r.Failure, tc.want) {
				t.Fatalf("got failure %q, want one containing %q", r.Failure, tc.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	passwd := reg("etc/passwd", 0o644, "root:x:0:0::/:\nnonroot:x:65532:65532::/:\n")
	app := reg("app/server", 0o755, string(elftest.Executable(elf.EM_X86_64, "")))
	bundle := certificatePEM(t)
	cases := []struct {
		name   string
		checks Checks
		user   string
		files  []file
		want   string
	}{
		{"static", Checks{Static: true}, "", []file{app, reg("etc/script", 0o755, "#!/bin/sh\n")}, ""},
		{"static: dynamic", Checks{Static: true}, "", []file{reg("bin/tool", 0o755, string(elftest.Executable(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2")))},
			"/bin/tool is dynamically linked (program interpreter /lib64/ld-linux-x86-64.so.2)"},
		{"static: another architecture", Checks{Static: true}, "", []file{reg("app/server", 0o755, string(elftest.Executable(elf.EM_AARCH64, "")))},
			"/app/server is an ELF binary for arm64, but the image is amd64"},
		{"no_shell", Checks{NoShell: true}, "", []file{app, reg("etc/sh", 0o644, "not executable")}, ""},
		{"no_shell: busybox", Checks{NoShell: true}, "", []file{reg("bin/busybox", 0o755, "x")}, "/bin/busybox is a shell"},
		{"no_shell: a symlink", Checks{NoShell: true}, "", []file{app, symlink("bin/sh", "/app/server")}, "/bin/sh is a shell (symlink)"},
		{"non_root", Checks{NonRoot: true}, "nonroot", []file{passwd}, ""},
		{"non_root: numeric", Checks{NonRoot: true}, "65532:65532", nil, ""},
		{"non_root: no user", Checks{NonRoot: true}, "", []file{passwd}, "the image sets no user, so it runs as root"},
		{"non_root: uid 0", Checks{NonRoot: true}, "0", nil, `the image's user "0" is uid 0, root`},
		{"non_root: root by name", Checks{NonRoot: true}, "root", []file{passwd}, `the image's user "root" is uid 0`},
		{"non_root: not in passwd", Checks{NonRoot: true}, "app", []file{passwd}, `the image's user "app" is not in its /etc/passwd`},
		{"no_setuid", Checks{NoSetuid: true}, "", []file{app, dir("tmp", 0o1777)}, ""},
		{"no_setuid: setgid", Checks{NoSetuid: true}, "", []file{reg("usr/bin/wall", 0o2755, "x")}, "/usr/bin/wall has mode grwxr-xr-x (2755)"},
		{"ca_certificates", Checks{CACertificates: true}, "", []file{reg("etc/ssl/certs/ca-certificates.crt", 0o644, bundle)}, ""},
		{"ca_certificates: through a symlink", Checks{CACertificates: true}, "", []file{reg("etc/pki/bundle.pem", 0o644, bundle), symlink("etc/ssl/cert.pem", "../pki/bundle.pem")}, ""},
		{"ca_certificates: empty bundle", Checks{CACertificates: true}, "", []file{reg("etc/ssl/certs/ca-certificates.crt", 0o644, "")},
			"/etc/ssl/certs/ca-certificates.crt: no certificate in it"},
		{"ca_certificates: none", Checks{CACertificates: true}, "", []file{app}, `add essentials = ["ca_certificates"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := imageOf(t, "amd64", v1.Config{User: tc.user}, tc.files)
			r := runOne(t, img, "", tc.checks)
			if tc.want == "" && r.Failure != "" {
				t.Fatalf("failed: %s", r.Failure)
			}
			if tc.want != "" && !strings.Contains(r.Failure, tc.want) {
				t.Fatalf("got failure %q, want one containing %q", r.Failure, tc.want)
			}
		})
	}
}

func TestUnsupportedKeys(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"schemaVersion: 1.0.0", `t.yaml: key "schemaVersion" is "1.0.0"`},
		{"schemaVersion: 2.0.0\nlicenseTests: []", `t.yaml: key "licenseTests" (line 2) is not supported by scratch_image_test`},
		{"schemaVersion: 2.0.0\ncommandTests:\n  - name: prepare\n    command: /app\n    setup: [[touch, /x]]", `t.yaml: commandTests[0] ("prepare"): key "setup" (line 5) is not supported`},
		{"schemaVersion: 2.0.0\nmetadataTest:\n  entrypoints: []", `t.yaml: metadataTest: key "entrypoints" (line 3) is not part of container-structure-test's schema here; the keys are cmd, entrypoint, env`},
		{"schemaVersion: 2.0.0\nfileExistenceTests: [{name: x, path: /x}]", `fileExistenceTests[0] ("x"): key "shouldExist" is missing`},
		{"schemaVersion: 2.0.0\nfileExistenceTests: [{name: x, path: x, shouldExist: true}]", `key "path" is "x"; give an absolute path`},
		{"schemaVersion: 2.0.0\nfileContentTests: [{name: x, path: /x, expectedContents: ['(']}]", `key "expectedContents" holds "(", which is not a regular expression`},
		{"schemaVersion: 2.0.0\ncommandTests: [{name: x}]", `key "command" is missing`},
		{"", "t.yaml is empty"},
	}
	for _, tc := range cases {
		_, err := ParseConfig("t.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}

// TestReadsEachLayerOnce: file, content and command tests and every check
// read each layer's content once, whatever their number.
func TestReadsEachLayerOnce(t *testing.T) {
	img := base(t)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	reads := make([]int, len(layers))
	counted := empty.Image
	for i, l := range layers {
		if counted, err = mutate.AppendLayers(counted, countedLayer{l, &reads[i]}); err != nil {
			t.Fatal(err)
		}
	}
	cf, _ := img.ConfigFile()
	counted, _ = mutate.ConfigFile(counted, cf)
	c, err := ParseConfig("t.yaml", []byte(`schemaVersion: 2.0.0
fileExistenceTests: [{name: a, path: /app/helper, shouldExist: true}, {name: b, path: /etc/gone, shouldExist: false}]
fileContentTests: [{name: c, path: /etc/current, expectedContents: [version]}, {name: d, path: /etc/passwd, expectedContents: [nonroot]}]
commandTests: [{name: e, command: helper}]
`))
	if err != nil {
		t.Fatal(err)
	}
	suite, err := Test(Image{Image: counted}, Options{Configs: []*Config{c}, TempDir: t.TempDir(),
		Checks: Checks{Static: true, NoShell: true, NonRoot: true, NoSetuid: true, CACertificates: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range reads {
		if n != 1 {
			t.Errorf("layer %d read %d times, want once", i, n)
		}
	}
	if len(suite.Results) != 10 {
		t.Errorf("got %d results, want 10", len(suite.Results))
	}
}

// TestForeignArchitecture: a program for another architecture runs under
// qemu-user, or is reported not run, by name; never passed silently.
func TestForeignArchitecture(t *testing.T) {
	foreign := "arm64"
	if runtime.GOARCH == "arm64" {
		foreign = "amd64"
	}
	img := imageOf(t, foreign, v1.Config{}, []file{reg("app", 0o755, string(elftest.Executable(map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64}[foreign], "")))})
	r := runOne(t, img, "commandTests: [{name: runs, command: /app}]", Checks{})
	// The minimal ELF has no code: under qemu it fails to run (a failure,
	// naming the program); without qemu it is not run, saying why.
	if r.Passed() {
		t.Fatalf("a program with no code passed: %+v", r)
	}
	if r.NotRun != "" && !strings.Contains(r.NotRun, "cannot run the image's "+foreign+" programs; install qemu-user-static") {
		t.Errorf("not run without saying why: %q", r.NotRun)
	}
	t.Logf("%+v", r)
}

// TestOwnersAsRoot: run as root, a command runs as the image's user
// against the files' owners and modes from the layers, as a runtime runs
// it: uid 65532 may not run a file only root and group 10 may.
func TestOwnersAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root keeps the layers' owners (others run commands in a user namespace where every file is theirs)")
	}
	img := base(t)
	r := runOne(t, img, "commandTests: [{name: t, command: /app/tool}]", Checks{})
	if !strings.Contains(r.Failure, "permission denied") {
		t.Errorf("got %+v, want permission denied", r)
	}
}

func TestSkipCommands(t *testing.T) {
	c, err := ParseConfig("t.yaml", []byte("schemaVersion: 2.0.0\ncommandTests: [{name: runs, command: /app/helper}]"))
	if err != nil {
		t.Fatal(err)
	}
	suite, err := Test(Image{Image: base(t)}, Options{Configs: []*Config{c}, SkipCommands: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if r := suite.Results[0]; r.NotRun == "" || r.Failure != "" {
		t.Errorf("got %+v, want not run", r)
	}
}

func TestJUnit(t *testing.T) {
	suite := &Suite{Name: "linux/amd64", Digest: "sha256:ab", Results: []Result{
		{Class: "t.yaml", Name: "passes"},
		{Class: "t.yaml", Name: "fails", Failure: "first line\nsecond <line>"},
		{Class: "checks", Name: "static", NotRun: "why"},
	}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, []*Suite{suite}); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	s := got.Suites[0]
	if s.Tests != 3 || s.Failures != 1 || s.Skipped != 1 || s.Cases[1].Failure.Message != "first line" ||
		s.Cases[1].Failure.Text != "first line\nsecond <line>" || s.Cases[2].Skipped.Message != "why" || s.Cases[0].ClassName != "linux/amd64.t.yaml" {
		t.Errorf("got %+v", s)
	}
}

// TestHostileLayers: entries that would leave the unpacked directory stay
// inside it.
func TestHostileLayers(t *testing.T) {
	outside := t.TempDir()
	img := imageOf(t, runtime.GOARCH, v1.Config{}, []file{
		symlink("escape", outside),
		reg("escape/planted", 0o644, "x"),
		reg("../../up", 0o644, "x"),
		symlink("rel", "../../../../"+outside),
		reg("rel/planted2", 0o644, "x"),
	})
	r := runOne(t, img, "fileExistenceTests: [{name: t, path: "+outside+"/planted, shouldExist: true}]", Checks{})
	if r.Failure != "" {
		t.Errorf("the entry through an absolute symlink did not land inside the image: %s", r.Failure)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 0 {
		t.Errorf("wrote outside the image: %v", entries)
	}
}

// certificatePEM returns a self-signed certificate, PEM-encoded.
func certificatePEM(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
