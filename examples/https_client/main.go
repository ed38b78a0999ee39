// Command https_client is a service that needs what a scratch image lacks:
// CA certificates for TLS, time zone data, a user database and a writable
// /tmp. Run without arguments, it checks each of them and reports; with
// -url, it also fetches that URL over HTTPS.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"time"
)

const bundle = "/etc/ssl/certs/ca-certificates.crt"

func main() {
	url := flag.String("url", "", "an https URL to fetch")
	flag.Parse()
	failed := false
	check := func(what string, err error, detail string) {
		if err != nil {
			failed = true
			fmt.Printf("%s: FAIL: %v\n", what, err)
			return
		}
		fmt.Printf("%s: ok: %s\n", what, detail)
	}

	n, err := verifyWithSystemRoots()
	check("certificates", err, fmt.Sprintf("the system pool verifies all %d roots of %s", n, bundle))

	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).In(time.Local)
	zone, offset := now.Zone()
	check("time zone", nil, fmt.Sprintf("TZ=%s is %s (UTC%+03d:00)", os.Getenv("TZ"), zone, offset/3600))

	u, err := user.Current()
	if err == nil {
		check("user", nil, fmt.Sprintf("uid=%d(%s) gid=%d home=%s", os.Getuid(), u.Username, os.Getgid(), u.HomeDir))
	} else {
		check("user", err, "")
	}

	f, err := os.CreateTemp("", "probe-*")
	if err == nil {
		_, err = f.WriteString("ok")
		f.Close()
		os.Remove(f.Name())
	}
	check("tmp", err, "wrote and removed a file in "+os.TempDir())

	if *url != "" {
		resp, err := http.Get(*url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		check("fetch", err, *url)
	}
	if failed {
		os.Exit(1)
	}
}

// verifyWithSystemRoots loads Go's system certificate pool, which on Linux is
// read from the image's bundle, and verifies every root of the bundle
// against it: this fails unless the pool really came from the file.
func verifyWithSystemRoots() (int, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return n, err
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: cert.NotBefore.Add(time.Hour)}); err != nil {
			return n, fmt.Errorf("%s: %w", cert.Subject, err)
		}
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("%s holds no certificate", bundle)
	}
	return n, nil
}
