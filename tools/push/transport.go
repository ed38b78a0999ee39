package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/essentials"
)

// roots returns the system roots plus those of SSL_CERT_FILE and of the
// files in SSL_CERT_DIR (colon-separated).
func roots() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	// x509.SystemCertPool skips the system bundles when SSL_CERT_FILE is
	// set; this pool holds both.
	for _, f := range essentials.CABundlePaths {
		if data, err := os.ReadFile(f); err == nil {
			pool.AppendCertsFromPEM(data)
		}
	}
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("SSL_CERT_FILE: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("SSL_CERT_FILE %s holds no PEM certificate", f)
		}
	}
	for _, dir := range filepath.SplitList(os.Getenv("SSL_CERT_DIR")) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("SSL_CERT_DIR: %w", err)
		}
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
				if data, err := os.ReadFile(path); err == nil {
					pool.AppendCertsFromPEM(data)
				}
			}
		}
	}
	return pool, nil
}

// DefaultTransport verifies TLS against the system roots plus SSL_CERT_FILE
// and SSL_CERT_DIR, and gives up on a host that does not answer.
func DefaultTransport() (http.RoundTripper, error) {
	pool, err := roots()
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 60 * time.Second
	return t, nil
}

// loopback says whether a registry is on this machine, where plain HTTP is
// allowed without --insecure.
func loopback(reg name.Registry) bool {
	host := reg.RegistryStr()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// reach finds how to talk to the registry: HTTPS, verified; plain HTTP only
// where the registry does not speak TLS and is a loopback one, or insecure
// is set. A registry that does not answer fails within o.reachTimeout.
func reach(ctx context.Context, reg name.Registry, o options) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, o.reachTimeout)
	defer cancel()
	host := reg.RegistryStr()
	plainAllowed := o.insecure || loopback(reg)
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 && !sleep(ctx, time.Duration(attempt)*time.Second) {
			break
		}
		scheme, err := probe(ctx, o.transport, "https", host)
		if err == nil {
			return scheme, nil
		}
		var notTLS tls.RecordHeaderError
		if errors.As(err, &notTLS) {
			if !plainAllowed {
				return "", fmt.Errorf("the registry %s does not speak TLS; plain HTTP is used only for localhost and 127.0.0.1 registries or with --insecure", host)
			}
			if scheme, err = probe(ctx, o.transport, "http", host); err == nil {
				return scheme, nil
			}
		}
		var unknownAuthority x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var hostname x509.HostnameError
		if errors.As(err, &unknownAuthority) || errors.As(err, &invalid) || errors.As(err, &hostname) {
			return "", fmt.Errorf("the TLS certificate of the registry %s is not trusted: %v; add the CA that signed it with SSL_CERT_FILE or SSL_CERT_DIR", host, err)
		}
		last = err
	}
	return "", fmt.Errorf("cannot reach the registry %s: %v; check that it is running and that the host and port are right", host, last)
}

// probe asks for the registry's /v2/ endpoint; any HTTP answer (200, 401)
// means the registry speaks the scheme.
func probe(ctx context.Context, t http.RoundTripper, scheme, host string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+host+"/v2/", nil)
	if err != nil {
		return "", err
	}
	resp, err := t.RoundTrip(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return scheme, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// schemeTransport sends the registry's requests with the scheme reach
// found: go-containerregistry assumes plain HTTP for every loopback
// registry, even one that speaks TLS.
type schemeTransport struct {
	inner  http.RoundTripper
	host   string
	scheme string
}

func (t *schemeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host && req.URL.Scheme != t.scheme {
		req = req.Clone(req.Context())
		req.URL.Scheme = t.scheme
	}
	return t.inner.RoundTrip(req)
}

// retryAfterTransport waits as long as a 429 or 503 answer's Retry-After
// asks (at most max) before handing it on, so that go-containerregistry's
// retry of the operation comes no sooner than the registry wants it.
type retryAfterTransport struct {
	inner http.RoundTripper
	max   time.Duration
}

func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	if wait := retryAfter(resp.Header.Get("Retry-After"), time.Now()); wait > 0 {
		sleep(req.Context(), min(wait, t.max))
	}
	return resp, nil
}

// retryAfter parses a Retry-After value: seconds, or an HTTP date.
func retryAfter(value string, now time.Time) time.Duration {
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(strings.TrimSpace(value)); err == nil {
		return time.Duration(max(seconds, 0)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		return at.Sub(now)
	}
	return 0
}

// progressTransport reports, from the registry's answers, each blob found
// present, mounted or uploaded, and each manifest put.
type progressTransport struct {
	inner    http.RoundTripper
	progress *progress
}

func (t *progressTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.progress.requests.Add(1)
	resp, err := t.inner.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	path := req.URL.Path
	switch {
	case req.Method == http.MethodHead && strings.Contains(path, "/blobs/") && resp.StatusCode == http.StatusOK:
		t.progress.blob(path[strings.LastIndex(path, "/")+1:], "already present")
	case req.Method == http.MethodHead && strings.Contains(path, "/manifests/sha256:") && resp.StatusCode == http.StatusOK:
		t.progress.printf("manifest %s: already present, and so are its blobs", path[strings.LastIndex(path, "/")+1:])
	case req.Method == http.MethodPost && req.URL.Query().Get("mount") != "" && resp.StatusCode == http.StatusCreated:
		t.progress.blob(req.URL.Query().Get("mount"), "mounted")
	case req.Method == http.MethodPut && req.URL.Query().Get("digest") != "" && resp.StatusCode == http.StatusCreated:
		t.progress.blob(req.URL.Query().Get("digest"), "uploaded")
	case req.Method == http.MethodPut && strings.Contains(path, "/manifests/") && resp.StatusCode == http.StatusCreated:
		ref := path[strings.LastIndex(path, "/")+1:]
		if strings.HasPrefix(ref, "sha256:") {
			t.progress.printf("manifest %s: put", ref)
		}
	}
	return resp, nil
}

// progress writes one line per event, whole, whatever the goroutine.
type progress struct {
	requests atomic.Int64 // sent, retries included
	mu       sync.Mutex
	w        io.Writer
	sizes    map[v1.Hash]int64
}

func newProgress(w io.Writer, sizes map[v1.Hash]int64) *progress {
	return &progress{w: w, sizes: sizes}
}

func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) blob(digest, what string) {
	size := "size unknown"
	if h, err := v1.NewHash(digest); err == nil {
		if n, ok := p.sizes[h]; ok {
			size = humanSize(n)
		}
	}
	p.printf("blob %s (%s): %s", digest, size, what)
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
