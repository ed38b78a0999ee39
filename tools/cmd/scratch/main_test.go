package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLayerVerbReadsParamsFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "hello")
	os.WriteFile(src, []byte("hi"), 0o644)
	entry, _ := json.Marshal(map[string]any{"kind": "file", "path": "/app/hello", "src": src, "mode": 0o755})
	params := filepath.Join(dir, "params")
	lines := []string{"layer", "--entry", string(entry), "--output", filepath.Join(dir, "l.tar.gz"), "--descriptor", filepath.Join(dir, "l.json")}
	os.WriteFile(params, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if err := run([]string{"@" + params}); err != nil {
		t.Fatal(err)
	}
	var desc map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "l.json"))
	if err := json.Unmarshal(data, &desc); err != nil || desc["diffID"] == nil {
		t.Errorf("descriptor %s (%v)", data, err)
	}
}

func TestFailedVerbLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "l.tar.gz")
	err := run([]string{"layer", "--entry", `{"kind":"file","path":"/a/../../etc/passwd","src":"x"}`, "--output", out, "--descriptor", filepath.Join(dir, "l.json")})
	if err == nil || !strings.Contains(err.Error(), `"/a/../../etc/passwd"`) {
		t.Fatalf("want an error naming the path, got %v", err)
	}
	if left := dirNames(t, dir); len(left) > 0 {
		t.Errorf("left behind after a failure: %v", left)
	}
}

func TestUnknownFieldsAndVerbsAreErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{},
		{"layer", "--entry", `{"kind":"file","path":"/a","source":"x"}`, "--output", "o", "--descriptor", "d"},
	} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestStamp(t *testing.T) {
	status := map[string]string{"STABLE_GIT_COMMIT": "abc123", "BUILD_USER": "ci"}
	tests := []struct {
		in      string
		stamped bool
		want    string
		err     string
	}{
		{in: "registry.example.com/app", want: "registry.example.com/app"},
		{in: "git-{STABLE_GIT_COMMIT}", stamped: true, want: "git-abc123"},
		{in: "{BUILD_USER}-{STABLE_GIT_COMMIT}", stamped: true, want: "ci-abc123"},
		{in: "git-{STABLE_GIT_COMMIT}", err: "needs stamping: run `bazel run --stamp"},
		{in: "{MISSING}", stamped: true, err: "has no MISSING; it has BUILD_USER, STABLE_GIT_COMMIT"},
	}
	for _, tc := range tests {
		got, err := stamp(tc.in, status, tc.stamped)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("stamp(%q): got %q, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("stamp(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	stable := filepath.Join(dir, "stable-status.txt")
	volatile := filepath.Join(dir, "volatile-status.txt")
	os.WriteFile(stable, []byte("STABLE_GIT_COMMIT abc123\nBUILD_EMBED_LABEL \n"), 0o644)
	os.WriteFile(volatile, []byte("BUILD_TIMESTAMP 1700000000\n"), 0o644)
	status, err := readStatus([]string{stable, volatile})
	if err != nil {
		t.Fatal(err)
	}
	if status["STABLE_GIT_COMMIT"] != "abc123" || status["BUILD_TIMESTAMP"] != "1700000000" || len(status) != 3 {
		t.Errorf("status %v", status)
	}
}

func TestFindRuntimeRefusesUnknown(t *testing.T) {
	if _, err := findRuntime("rkt"); err == nil || !strings.Contains(err.Error(), `unknown runtime "rkt"`) {
		t.Errorf("got %v", err)
	}
}

// TestMain lets a test run this test binary as the tool itself.
func TestMain(m *testing.M) {
	if os.Getenv("SCRATCH_TEST_RUN_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Split(os.Getenv("SCRATCH_TEST_ARGS"), "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStoppedVerbLeavesNothing stops the layer verb with SIGTERM in the
// middle of a tar it reads from a pipe: it exits 143 and leaves neither its
// output's temporary file nor its spool behind.
func TestStoppedVerbLeavesNothing(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	pipe := filepath.Join(dir, "rootfs.tar")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	outDir := t.TempDir()
	out := filepath.Join(outDir, "layer.tar.gz")
	args := []string{"layer", "--entry", `{"kind":"tar","path":"/","src":"` + pipe + `"}`, "--output", out, "--descriptor", out + ".json"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SCRATCH_TEST_RUN_MAIN=1", "SCRATCH_TEST_ARGS="+strings.Join(args, "\n"), "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Half a tar: a 1 MiB file of which 4 KiB arrive, then nothing.
	w, err := os.OpenFile(pipe, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tw := tar.NewWriter(w)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "big", Mode: 0o644, Size: 1 << 20})
	tw.Write(make([]byte, 4096))
	tw.Flush()
	// The verb is now blocked reading the pipe, with its temporaries made.
	deadline := time.Now().Add(10 * time.Second)
	for len(dirNames(t, outDir)) == 0 || len(dirNames(t, tmp)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no temporary file appeared: output dir %v, TMPDIR %v", dirNames(t, outDir), dirNames(t, tmp))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("stopped verb: %v, want exit status 143 (stderr: %s)", err, stderr.String())
	}
	if left := append(dirNames(t, outDir), dirNames(t, tmp)...); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

// TestTempDirWithoutTmp runs the layer verb on a tar, which it spools to a
// temporary file, where TMPDIR names no directory (a remote worker without
// /tmp): the spool goes below the working directory and is gone after.
func TestTempDirWithoutTmp(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	rootfs := filepath.Join(dir, "rootfs.tar")
	f, _ := os.Create(rootfs)
	tw := tar.NewWriter(f)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "etc/motd", Mode: 0o644, Size: 2})
	tw.Write([]byte("hi"))
	tw.Close()
	f.Close()
	out := filepath.Join(dir, "layer.tar.gz")
	args := []string{"layer", "--entry", `{"kind":"tar","path":"/","src":"` + rootfs + `"}`, "--output", out, "--descriptor", out + ".json"}
	cmd := exec.Command(os.Args[0])
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "SCRATCH_TEST_RUN_MAIN=1", "SCRATCH_TEST_ARGS="+strings.Join(args, "\n"), "TMPDIR="+filepath.Join(dir, "missing"))
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("layer verb without a temporary directory: %v: %s", err, output)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
	if left := dirNames(t, work); len(left) > 0 {
		t.Errorf("left in the working directory: %v", left)
	}
}

// Keys are checked before anything is read or sent: a key the target names
// by environment variable must be there.
func TestPushSigningKeyErrors(t *testing.T) {
	t.Setenv("RULES_SCRATCH_TEST_KEY", "")
	missing := filepath.Join(t.TempDir(), "missing.key")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sign_key_env", "RULES_SCRATCH_TEST_KEY"}, "$RULES_SCRATCH_TEST_KEY holds, but RULES_SCRATCH_TEST_KEY is not set"},
		{[]string{"--sign_key", missing}, "signing key: open " + missing},
	} {
		args := append([]string{"push", "--layout", t.TempDir(), "--repository", "127.0.0.1:1/team/app"}, tc.args...)
		if err := run(args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error saying %q", args, err, tc.want)
		}
	}
}
