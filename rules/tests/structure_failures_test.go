package tests

import (
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

var failing = flag.String("failing", "", "the failing scratch_image_test's executable ($(rlocationpath))")

// TestFailingStructureTest runs a scratch_image_test whose every test
// fails, as `bazel test` would, and checks it fails for each reason, in
// its log and in its JUnit XML.
func TestFailingStructureTest(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "test.xml")
	cmd := exec.Command(imagetest.Runfile(t, *failing))
	cmd.Env = append(os.Environ(), "XML_OUTPUT_FILE="+junit)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("got %v, want exit status 1:\n%s", err, out)
	}
	for _, want := range []string{
		`env MISSING: expected "1", but the image has no env MISSING`,
		`entrypoint: expected ["/app/other"], got ["/app/runfiles_reader"]`,
		"/bin/sh: expected to exist, but the image has nothing there",
		"/app/runfiles_reader: permissions: expected -rwxrwxrwx, got -rwxr-xr-x",
		`contents: expected to match "goodbye", but does not`,
		"exit code: expected 3, got 0",
		"no CA certificate bundle where Go and OpenSSL look",
		"7 tests, 6 failed, 0 not run",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Suites) != 1 || report.Suites[0].Tests != 7 || report.Suites[0].Failures != 6 {
		t.Fatalf("JUnit XML: got %+v, want one suite of 7 tests, 6 failed", report.Suites)
	}
	for _, c := range report.Suites[0].Cases {
		if (c.Failure == nil) != (c.Name == "non_root") {
			t.Errorf("JUnit test case %q: failure %+v", c.Name, c.Failure)
		}
	}
}
