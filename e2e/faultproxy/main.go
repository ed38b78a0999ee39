// Command faultproxy stands between a push and a registry, on 127.0.0.1,
// and makes the network misbehave, once each: the first request of each kind
// (method and endpoint) gets a 503, the first blob upload start a 429 with
// Retry-After, and the first blob body is cut by a connection reset halfway.
// Everything else is passed on. Each fault is logged on stderr as
// "fault: ...".
//
//	faultproxy -listen 127.0.0.1:PORT -upstream https://127.0.0.1:PORT \
//	  -cert cert.pem -key key.pem -ca ca.pem
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on, with TLS")
	upstream := flag.String("upstream", "", "the registry's URL")
	cert := flag.String("cert", "", "TLS certificate to serve")
	key := flag.String("key", "", "its key")
	ca := flag.String("ca", "", "the CA that signed the registry's certificate")
	retryAfter := flag.String("retry_after", "2", "the Retry-After of the 429")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	pem, err := os.ReadFile(*ca)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}

	var mu sync.Mutex
	done := map[string]bool{}
	once := func(fault string) bool {
		mu.Lock()
		defer mu.Unlock()
		if done[fault] {
			return false
		}
		done[fault] = true
		log.Printf("fault: %s", fault)
		return true
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.Method + " " + endpoint(r.URL.Path)
		switch {
		case once("503 " + kind):
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") && once("429 "+kind):
			w.Header().Set("Retry-After", *retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case (r.Method == http.MethodPatch || r.Method == http.MethodPut) && strings.Contains(r.URL.Path, "/blobs/uploads/") &&
			r.ContentLength != 0 && once("reset in the body of "+kind):
			io.CopyN(io.Discard, r.Body, max(r.ContentLength/2, 1))
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.(*tls.Conn).NetConn().(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	})

	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s, in front of %s", l.Addr(), target)
	// HTTP/1.1 only: a connection can be reset only where it can be hijacked.
	server := &http.Server{Handler: handler, TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	log.Fatal(server.ServeTLS(l, *cert, *key))
}

// endpoint names the kind of a registry request: "/v2/", "manifests",
// "blobs" or "uploads".
func endpoint(path string) string {
	switch {
	case path == "/v2/":
		return "/v2/"
	case strings.Contains(path, "/blobs/uploads"):
		return "uploads"
	case strings.Contains(path, "/blobs/"):
		return "blobs"
	case strings.Contains(path, "/manifests/"):
		return "manifests"
	}
	return path
}
