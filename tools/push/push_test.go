package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

var fastBackoff = remote.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Steps: 6}

// writeLayout writes a two-layer amd64 image as the rules do and returns
// the layout directory and the image digest.
func writeLayout(t *testing.T, content string) (string, string) {
	t.Helper()
	return imagetest.WriteLayout(t, content, "amd64")
}

// recorder keeps "METHOD path" of every request the registry answered.
type recorder struct {
	mu       sync.Mutex
	requests []string
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, req := range r.requests {
		if strings.HasPrefix(req, prefix) {
			n++
		}
	}
	return n
}

func newRegistry(t *testing.T, middleware ...func(http.Handler) http.Handler) (string, *recorder) {
	t.Helper()
	return newRegistryWith(t, nil, middleware...)
}

func newRegistryWith(t *testing.T, opts []registry.Option, middleware ...func(http.Handler) http.Handler) (string, *recorder) {
	t.Helper()
	rec := &recorder{}
	var h http.Handler = registry.New(append([]registry.Option{registry.Logger(log.New(io.Discard, "", 0))}, opts...)...)
	h = rec.wrap(h)
	for _, m := range middleware {
		h = m(h)
	}
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://"), rec
}

func push(t *testing.T, dir, repo string, tags []string, opts ...Option) (name.Digest, string, error) {
	t.Helper()
	var progress bytes.Buffer
	opts = append([]Option{WithKeychain(authn.NewMultiKeychain()), WithBackoff(fastBackoff), WithProgress(&progress)}, opts...)
	d, err := Push(context.Background(), dir, repo, tags, opts...)
	return d, progress.String(), err
}

func TestPushUploadsOnlyMissingBlobs(t *testing.T) {
	host, _ := newRegistry(t)
	first, _ := writeLayout(t, "one")
	if _, _, err := push(t, first, host+"/team/app", nil); err != nil {
		t.Fatal(err)
	}
	// Another image with the same big layer: its config and small layer go
	// up, the big layer is found present.
	second, _ := writeLayout(t, "two")
	_, progress, err := push(t, second, host+"/team/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(progress, ": uploaded") != 2 || strings.Count(progress, ": already present") != 1 {
		t.Errorf("want 2 blobs uploaded and 1 already present, progress says:\n%s", progress)
	}
}

func TestPushThenTagsThenNothingToUpload(t *testing.T) {
	host, rec := newRegistry(t)
	dir, digest := writeLayout(t, "one")
	ref, progress, err := push(t, dir, host+"/team/app", []string{"v1", "latest"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.DigestStr() != digest || ref.Context().Name() != host+"/team/app" {
		t.Errorf("pushed %s, want %s@%s", ref, host+"/team/app", digest)
	}
	if got := strings.Count(progress, ": uploaded"); got != 3 {
		t.Errorf("want 3 blobs uploaded (config, 2 layers), progress says:\n%s", progress)
	}
	// The manifest goes by digest before any tag.
	var manifests []string
	for _, r := range rec.requests {
		if strings.HasPrefix(r, "PUT /v2/team/app/manifests/") {
			manifests = append(manifests, strings.TrimPrefix(r, "PUT /v2/team/app/manifests/"))
		}
	}
	if strings.Join(manifests, " ") != digest+" v1 latest" {
		t.Errorf("manifest puts %v, want the digest, then v1, then latest", manifests)
	}
	for _, tag := range []string{"v1", "latest"} {
		ref, err := name.ParseReference(host + "/team/app:" + tag)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref)
		if err != nil || desc.Digest.String() != digest {
			t.Errorf("tag %s: %v (%v), want %s", tag, desc, err, digest)
		}
	}

	uploadsBefore := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs")
	_, progress, err = push(t, dir, host+"/team/app", []string{"v1"})
	if err != nil {
		t.Fatal(err)
	}
	if uploads := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs") - uploadsBefore; uploads != 0 {
		t.Errorf("a second push uploaded %d blobs", uploads)
	}
	if !strings.Contains(progress, "manifest "+digest+": already present") {
		t.Errorf("want the manifest already present, progress says:\n%s", progress)
	}
}

// faults fails the first request of each kind with 503, answers the first
// blob upload start with 429 and Retry-After, and resets the connection in
// the middle of the first blob body.
func faults(t *testing.T) (func(http.Handler) http.Handler, *sync.Map) {
	var seen sync.Map
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			kind := r.Method + " " + strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/team/app/"), "/")[0]
			if _, done := seen.LoadOrStore(kind, true); !done {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			if r.Method == http.MethodPost {
				if _, done := seen.LoadOrStore("429", true); !done {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
			}
			if r.Method == http.MethodPatch || (r.Method == http.MethodPut && r.ContentLength > 1000) {
				if _, done := seen.LoadOrStore("reset", true); !done {
					io.CopyN(io.Discard, r.Body, 100)
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.(*net.TCPConn).SetLinger(0)
						conn.Close()
					}
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}, &seen
}

func TestPushRetriesTransientFailures(t *testing.T) {
	middleware, seen := faults(t)
	host, _ := newRegistry(t, middleware)
	dir, digest := writeLayout(t, "faults")
	start := time.Now()
	ref, _, err := push(t, dir, host+"/team/app", []string{"v1"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.DigestStr() != digest {
		t.Errorf("pushed %s, want %s", ref.DigestStr(), digest)
	}
	for _, fault := range []string{"429", "reset", "PUT manifests"} {
		if _, ok := seen.Load(fault); !ok {
			t.Errorf("the fault %q never happened", fault)
		}
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("the push took %v: it did not wait the second Retry-After asked for", elapsed)
	}
}

func TestPushGivesUpAfterItsBackoff(t *testing.T) {
	host, _ := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				next.ServeHTTP(w, r)
				return
			}
			w.WriteHeader(http.StatusBadGateway)
		})
	})
	dir, _ := writeLayout(t, "down")
	_, _, err := push(t, dir, host+"/team/app", nil)
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("got %v, want the 502 in the error", err)
	}
}

func TestPushRefusedWithoutSecrets(t *testing.T) {
	const password = "s3cret-Passw0rd"
	host, _ := newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if user, pass, ok := r.BasicAuth(); !ok || user != "ci" || pass != "right" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	dir, _ := writeLayout(t, "auth")
	keychain := WithKeychain(staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: password})})
	_, progress, err := push(t, dir, host+"/team/app", nil, keychain)
	if err == nil {
		t.Fatal("a push with a wrong password succeeded")
	}
	for _, want := range []string{host, "team/app", "HTTP 401", "podman login " + host, "config.json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error()+progress, password) {
		t.Errorf("the password appears in the output: %v\n%s", err, progress)
	}

	right := WithKeychain(staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: "right"})})
	if _, _, err := push(t, dir, host+"/team/app", []string{"v1"}, right); err != nil {
		t.Errorf("with the right password: %v", err)
	}
}

// TestPushWithBearerToken pushes to a registry that hands out tokens, as
// Docker Hub and most cloud registries do, and checks that the token appears
// in no output.
func TestPushWithBearerToken(t *testing.T) {
	const token = "tok-3f9a1c-never-print-me"
	var host string
	host, _ = newRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				if user, pass, ok := r.BasicAuth(); !ok || user != "ci" || pass != "right" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprintf(w, `{"token": %q}`, token)
				return
			}
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, host))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	dir, digest := writeLayout(t, "bearer")
	right := WithKeychain(staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: "right"})})
	ref, progress, err := push(t, dir, host+"/team/app", []string{"v1"}, right)
	if err != nil || ref.DigestStr() != digest {
		t.Fatalf("pushed %v, %v; want %s", ref, err, digest)
	}
	if strings.Contains(progress, token) {
		t.Errorf("the token appears in the progress:\n%s", progress)
	}
	wrong := WithKeychain(staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: "wrong"})})
	if _, _, err := push(t, dir, host+"/team/app", nil, wrong); err == nil || !strings.Contains(err.Error(), "podman login "+host) {
		t.Errorf("with a wrong password: %v", err)
	}
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func TestUnreachableRegistryFailsSoonNamingIt(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir, _ := writeLayout(t, "nobody")
	start := time.Now()
	_, _, err = push(t, dir, host+"/team/app", nil)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the registry "+host) {
		t.Errorf("got %v, want an error naming %s", err, host)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %v to give up", elapsed)
	}
}

func TestBadNamesAreRefusedBeforeAnyRequest(t *testing.T) {
	dir, _ := writeLayout(t, "names")
	for _, tc := range []struct{ repo, tag, want string }{
		{"Registry.Example.com/App", "v1", "repository"},
		{"127.0.0.1:5000/app", "bad tag", `tag "bad tag"`},
	} {
		_, _, err := push(t, dir, tc.repo, []string{tc.tag})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:%s: got %v, want an error about the %s", tc.repo, tc.tag, err, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for value, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"Thu, 01 Jan 2026 00:00:05 GMT": 5 * time.Second,
		"soon":                          0,
	} {
		if got := retryAfter(value, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", value, got, want)
		}
	}
}

// TestPlainHTTPOnlyForLoopbackOrInsecure reaches a plain-HTTP registry
// under a name that is not a loopback one: refused, unless insecure.
func TestPlainHTTPOnlyForLoopbackOrInsecure(t *testing.T) {
	host, _ := newRegistry(t)
	_, port, _ := net.SplitHostPort(host)
	// registry.test resolves, for this transport only, to the registry.
	dialer := &net.Dialer{}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, strings.Replace(addr, "registry.test", "127.0.0.1", 1))
	}
	dir, digest := writeLayout(t, "insecure")
	_, _, err := push(t, dir, "registry.test:"+port+"/team/app", nil, WithTransport(transport))
	if err == nil || !strings.Contains(err.Error(), "does not speak TLS; plain HTTP is used only for localhost and 127.0.0.1 registries or with --insecure") {
		t.Errorf("got %v, want plain HTTP refused", err)
	}
	ref, _, err := push(t, dir, "registry.test:"+port+"/team/app", nil, WithTransport(transport), WithInsecure(true))
	if err != nil || ref.DigestStr() != digest {
		t.Errorf("with insecure: %v, %v", ref, err)
	}
}
