package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/rules-scratch/rules_scratch/tools/sign"
)

// DefaultBackoff waits 1, 2, 4, 8 and 16 seconds between six attempts of a
// request: at most about 31 seconds of waiting before a failure is final.
var DefaultBackoff = remote.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: 6, Cap: 20 * time.Second}

// retryStatusCodes are the answers worth asking again.
var retryStatusCodes = []int{
	http.StatusRequestTimeout,
	http.StatusTooManyRequests,
	http.StatusInternalServerError,
	http.StatusBadGateway,
	http.StatusServiceUnavailable,
	http.StatusGatewayTimeout,
}

type options struct {
	keychain     authn.Keychain
	transport    http.RoundTripper
	progress     io.Writer
	backoff      remote.Backoff
	insecure     bool
	jobs         int
	reachTimeout time.Duration
	maxWait      time.Duration
	attachments  []Attachment
	keys         []*sign.Key
}

// Option configures Push.
type Option func(*options)

// WithKeychain sets where credentials come from (default:
// authn.DefaultKeychain, the docker and podman configuration).
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithTransport sets the transport requests go through (default: one that
// verifies TLS against the system roots plus SSL_CERT_FILE / SSL_CERT_DIR).
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithProgress sets where a line per blob, manifest and tag goes (default:
// nowhere).
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// WithBackoff sets how failed requests are retried (default: DefaultBackoff).
func WithBackoff(b remote.Backoff) Option { return func(o *options) { o.backoff = b } }

// WithInsecure allows plain HTTP to any registry, not only a loopback one.
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

// WithJobs sets how many blobs are uploaded at once (default 4).
func WithJobs(n int) Option { return func(o *options) { o.jobs = n } }

// WithReachTimeout bounds the time spent finding the registry before the
// push gives up on it (default 30 seconds).
func WithReachTimeout(d time.Duration) Option { return func(o *options) { o.reachTimeout = d } }

// WithMaxRetryAfter bounds how long a Retry-After is waited for (default 60
// seconds).
func WithMaxRetryAfter(d time.Duration) Option { return func(o *options) { o.maxWait = d } }

// Push uploads the image or index that the OCI layout in dir names to
// repository: its blobs, then its manifest by digest, then the attachments
// (WithAttachments), then the signatures and attestations
// (WithSigningKeys), then each tag, so that a tag never names an image
// whose documents or signatures are missing. It returns the pushed digest.
func Push(ctx context.Context, dir, repository string, tags []string, opts ...Option) (name.Digest, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	var nameOpts []name.Option
	if o.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	repo, err := name.NewRepository(repository, nameOpts...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("repository %q: %w; write it like \"registry.example.com/team/app\"", repository, err)
	}
	tagRefs := make([]name.Tag, len(tags))
	for i, tag := range tags {
		if tagRefs[i], err = name.NewTag(repo.Name()+":"+tag, nameOpts...); err != nil {
			return name.Digest{}, fmt.Errorf("tag %q: %w", tag, err)
		}
	}
	target, top, sizes, err := readLayout(dir)
	if err != nil {
		return name.Digest{}, err
	}
	// Every attachment is read before the first request: a missing
	// document fails the push before anything moves.
	artifacts := make([]artifact, len(o.attachments))
	for i, a := range o.attachments {
		subject, err := subjectOf(top, target, a.Platform)
		if err != nil {
			return name.Digest{}, err
		}
		if artifacts[i], err = newArtifact(a, subject); err != nil {
			return name.Digest{}, err
		}
		for _, blob := range artifacts[i].blobs {
			d, _ := blob.Digest()
			sizes[d], _ = blob.Size()
		}
	}
	signatures, err := signatureImages(o, repo, tagRefs, top, target, artifacts)
	if err != nil {
		return name.Digest{}, err
	}
	progress := newProgress(o.progress, sizes)
	remoteOpts, err := o.remoteOptions(ctx, repo, progress)
	if err != nil {
		return name.Digest{}, err
	}

	ref := repo.Digest(top.Digest.String())
	switch target := target.(type) {
	case v1.ImageIndex:
		err = remote.WriteIndex(ref, target, remoteOpts...)
	case v1.Image:
		err = remote.Write(ref, target, remoteOpts...)
	}
	if err != nil {
		return name.Digest{}, explain(err, repo)
	}
	for _, a := range artifacts {
		for _, blob := range a.blobs {
			if err := remote.WriteLayer(repo, blob, remoteOpts...); err != nil {
				return name.Digest{}, explain(err, repo)
			}
		}
		// go-containerregistry's Put also lists the artifact in the
		// subject's referrers tag where the registry has no referrers API.
		if err := remote.Put(repo.Digest(a.digest.String()), a, remoteOpts...); err != nil {
			return name.Digest{}, explain(err, repo)
		}
		about := "the image"
		if a.attachment.Platform != "" {
			about = "the " + a.attachment.Platform + " image"
		}
		progress.printf("attached %s %s to %s: %s", a.attachment.ArtifactType, filepath.Base(a.attachment.Path), about, a.digest)
	}
	before := progress.requests.Load()
	for _, img := range signatures {
		if err := pushSignatureImage(repo, img, progress, remoteOpts); err != nil {
			return name.Digest{}, explain(err, repo)
		}
	}
	if len(signatures) > 0 {
		progress.printf("signed: %d requests for %d signature and attestation images", progress.requests.Load()-before, len(signatures))
	}
	for _, tag := range tagRefs {
		if err := remote.Tag(tag, target.(remote.Taggable), remoteOpts...); err != nil {
			return name.Digest{}, explain(err, repo)
		}
		progress.printf("tagged %s", tag)
	}
	return ref, nil
}

func defaultOptions() options {
	return options{
		keychain:     authn.DefaultKeychain,
		progress:     io.Discard,
		backoff:      DefaultBackoff,
		jobs:         4,
		reachTimeout: 30 * time.Second,
		maxWait:      time.Minute,
	}
}

// remoteOptions finds how to reach the registry (see reach) and returns
// go-containerregistry's options for it: credentials, the scheme found,
// retries and Retry-After, progress.
func (o options) remoteOptions(ctx context.Context, repo name.Repository, progress *progress) ([]remote.Option, error) {
	if o.transport == nil {
		t, err := DefaultTransport()
		if err != nil {
			return nil, err
		}
		o.transport = t
	}
	scheme, err := reach(ctx, repo.Registry, o)
	if err != nil {
		return nil, err
	}
	var t http.RoundTripper = &schemeTransport{inner: o.transport, host: repo.RegistryStr(), scheme: scheme}
	t = &retryAfterTransport{inner: t, max: o.maxWait}
	t = &progressTransport{inner: t, progress: progress}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(t),
		remote.WithRetryBackoff(o.backoff),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithRetryPredicate(retryable),
		remote.WithJobs(o.jobs),
	}
	// One pusher and one puller for every call: the registry is pinged and
	// the credentials exchanged once per repository, not once per call.
	pusher, err := remote.NewPusher(opts...)
	if err != nil {
		return nil, err
	}
	puller, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	return append(opts, remote.Reuse(pusher), remote.Reuse(puller)), nil
}

// RemoteOptions returns go-containerregistry's options to read from the
// repository's registry as Push writes to it: the same credentials, TLS,
// scheme, retries and errors' hints.
func RemoteOptions(ctx context.Context, repo name.Repository, opts ...Option) ([]remote.Option, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return o.remoteOptions(ctx, repo, newProgress(o.progress, nil))
}

// readLayout returns what the layout's index.json names (exactly one image
// or index), its descriptor, and the size of every blob it holds.
func readLayout(dir string) (any, v1.Descriptor, map[v1.Hash]int64, error) {
	index, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, v1.Descriptor{}, nil, fmt.Errorf("reading the OCI layout %s: %w", dir, err)
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, nil, err
	}
	if len(manifest.Manifests) != 1 {
		return nil, v1.Descriptor{}, nil, fmt.Errorf("the OCI layout %s names %d manifests in index.json; push needs exactly one", dir, len(manifest.Manifests))
	}
	desc := manifest.Manifests[0]
	sizes := map[v1.Hash]int64{}
	switch {
	case desc.MediaType.IsIndex():
		child, err := index.ImageIndex(desc.Digest)
		if err != nil {
			return nil, v1.Descriptor{}, nil, err
		}
		children, err := child.IndexManifest()
		if err != nil {
			return nil, v1.Descriptor{}, nil, err
		}
		for _, c := range children.Manifests {
			img, err := child.Image(c.Digest)
			if err != nil {
				return nil, v1.Descriptor{}, nil, err
			}
			if err := addSizes(sizes, img); err != nil {
				return nil, v1.Descriptor{}, nil, err
			}
		}
		return child, desc, sizes, nil
	case desc.MediaType.IsImage():
		img, err := index.Image(desc.Digest)
		if err != nil {
			return nil, v1.Descriptor{}, nil, err
		}
		return img, desc, sizes, addSizes(sizes, img)
	}
	return nil, v1.Descriptor{}, nil, fmt.Errorf("the OCI layout %s names a %s, neither an image nor an index", dir, desc.MediaType)
}

func addSizes(sizes map[v1.Hash]int64, img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	sizes[m.Config.Digest] = m.Config.Size
	for _, l := range m.Layers {
		sizes[l.Digest] = l.Size
	}
	return nil
}

// retryable says which failures are worth another attempt: temporary
// network errors and resets, and the retryable status codes (which
// go-containerregistry reports as temporary).
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.Temporary()
	}
	var netErr net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}
