package essentials

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestWriteCACertificates(t *testing.T) {
	var buf bytes.Buffer
	n, err := WriteCACertificates(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d certificates", n)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(buf.Bytes()) {
		t.Fatal("the bundle does not parse as PEM certificates")
	}
	count := 0
	for rest := buf.Bytes(); ; count++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
	}
	if count != n {
		t.Errorf("wrote %d blocks, said %d", count, n)
	}
	var again bytes.Buffer
	WriteCACertificates(&again)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two runs wrote different bundles")
	}
}

// goSDKTzdata finds zzipdata.go: the runfile Bazel passes in ZZIPDATA, or
// the one of the GOROOT that `go test` runs with.
func goSDKTzdata(t *testing.T) string {
	if p := os.Getenv("ZZIPDATA"); p != "" {
		return filepath.Join(os.Getenv("TEST_SRCDIR"), p)
	}
	p := filepath.Join(runtime.GOROOT(), "src", "time", "tzdata", "zzipdata.go")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no Go SDK source here: %v", err)
	}
	return p
}

func TestZoneinfo(t *testing.T) {
	data, err := ZoneinfoZip(goSDKTzdata(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n, err := WriteZoneinfo(data, dir)
	if err != nil {
		t.Fatal(err)
	}
	if n < 300 {
		t.Errorf("only %d zones", n)
	}
	tokyo, err := os.ReadFile(filepath.Join(dir, "Asia", "Tokyo"))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocationFromTZData("Asia/Tokyo", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if _, offset := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone(); offset != 9*3600 {
		t.Errorf("Asia/Tokyo offset %d, want 9h", offset)
	}
	if _, err := ZoneinfoZip(filepath.Join(dir, "nope.go")); err == nil {
		t.Error("a missing file gave no error")
	}
}
