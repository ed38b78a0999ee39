package layer

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// Compression is how a layer's tar stream is compressed.
type Compression string

// The compressions a layer may have.
const (
	// Gzip is what every runtime and registry accepts: the default.
	Gzip Compression = "gzip"
	// Zstd is smaller and faster, and needs a recent runtime (containerd
	// 1.5, podman 3, Docker 23; not Docker 20.10 or older).
	Zstd Compression = "zstd"
)

// Compression settings are part of the output format: changing any of them
// changes every layer digest. bench/layer.sh measures them against gzip -6
// and crane append on real inputs (Go toolchain binaries and Go's src tree),
// and the layer verb's peak memory, which stays under 64 MiB whatever the
// input size and the core count.
const (
	// Level 7 is klauspost/compress's first lazy-matching level: within 3%
	// of gzip -6 on binaries and on source trees. Level 6, its slowest fast
	// level, is 3.6% larger than gzip -6 on Go binaries.
	gzipLevel = 7
	// Each gzip block is compressed on its own core, with the last 32 KiB of
	// the block before as its dictionary. A block in flight holds about
	// 3 MiB (input, output, compressor state).
	gzipBlockSize      = 1 << 20
	gzipMaxConcurrency = 4

	// zstd "better compression" (about zstd -7), in independent frames of 4
	// MiB, each compressed on its own core; a stream of frames is one valid
	// zstd stream. Smaller frames lose the matches between similar binaries;
	// a frame in flight holds about 14 MiB (input, output, an encoder whose
	// window is the frame and its match tables), so at most two are
	// compressed at once.
	zstdLevel          = zstd.SpeedBetterCompression
	zstdFrameSize      = 4 << 20
	zstdMaxConcurrency = 2
)

// MediaType is the OCI media type of a layer compressed with c.
func (c Compression) MediaType() (types.MediaType, error) {
	switch c {
	case Gzip, "":
		return types.OCILayer, nil
	case Zstd:
		return types.OCILayerZStd, nil
	}
	return "", fmt.Errorf("unknown compression %q; use %q or %q", c, Gzip, Zstd)
}

// NewCompressor returns the compressor of every layer, writing to w with up
// to concurrency blocks compressed at once (fewer where memory demands it).
// The bytes it writes depend only on what it is given, never on concurrency:
// blocks have a fixed size, and a gzip header has no name and no comment,
// MTIME 0 ("no time"; pgzip would otherwise store its zero time.Time,
// truncated) and pgzip's fixed OS byte, 255 ("unknown").
func NewCompressor(w io.Writer, c Compression, concurrency int) (io.WriteCloser, error) {
	concurrency = max(concurrency, 1)
	switch c {
	case Gzip, "":
		gz, err := pgzip.NewWriterLevel(w, gzipLevel)
		if err != nil {
			return nil, err
		}
		if err := gz.SetConcurrency(gzipBlockSize, min(concurrency, gzipMaxConcurrency)); err != nil {
			return nil, err
		}
		gz.ModTime = time.Unix(0, 0)
		return gz, nil
	case Zstd:
		concurrency = min(concurrency, zstdMaxConcurrency)
		enc, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstdLevel),
			zstd.WithWindowSize(zstdFrameSize),
			zstd.WithLowerEncoderMem(true),
			zstd.WithEncoderConcurrency(concurrency))
		if err != nil {
			return nil, err
		}
		return newFrameWriter(w, zstdFrameSize, concurrency, enc.EncodeAll), nil
	}
	_, err := c.MediaType()
	return nil, err
}

// frameWriter cuts what it is given into frames of a fixed size, compresses
// up to concurrency frames at once, and writes them in order. It holds at
// most concurrency+1 input and concurrency output buffers, reused.
type frameWriter struct {
	w        io.Writer
	size     int
	encode   func(src, dst []byte) []byte
	current  []byte
	pending  chan chan []byte // compressed frames, in order
	inputs   chan []byte      // free input buffers
	outputs  chan []byte      // free output buffers; taking one is a slot
	done     chan struct{}    // closed when the writing goroutine ends
	mu       sync.Mutex
	err      error
	finished bool
}

func newFrameWriter(w io.Writer, size, concurrency int, encode func(src, dst []byte) []byte) *frameWriter {
	f := &frameWriter{
		w:       w,
		size:    size,
		encode:  encode,
		pending: make(chan chan []byte, concurrency),
		inputs:  make(chan []byte, concurrency+1),
		outputs: make(chan []byte, concurrency),
		done:    make(chan struct{}),
	}
	for range concurrency {
		f.inputs <- nil
		f.outputs <- nil
	}
	f.current = make([]byte, 0, size)
	go f.writeFrames()
	return f
}

func (f *frameWriter) writeFrames() {
	defer close(f.done)
	for result := range f.pending {
		frame := <-result
		if f.error() == nil {
			if _, err := f.w.Write(frame); err != nil {
				f.setError(err)
			}
		}
		f.outputs <- frame[:0]
	}
}

func (f *frameWriter) error() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *frameWriter) setError(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *frameWriter) Write(p []byte) (int, error) {
	if f.finished {
		return 0, fmt.Errorf("write after close")
	}
	n := len(p)
	for len(p) > 0 {
		take := min(len(p), f.size-len(f.current))
		f.current = append(f.current, p[:take]...)
		p = p[take:]
		if len(f.current) == f.size {
			f.flushFrame()
		}
	}
	return n, f.error()
}

// flushFrame hands the current frame to a compressing goroutine once an
// output buffer is free, that is once fewer than concurrency frames are
// being compressed or waiting to be written.
func (f *frameWriter) flushFrame() {
	src := f.current
	dst := <-f.outputs
	f.current = <-f.inputs
	if f.current == nil {
		f.current = make([]byte, 0, f.size)
	}
	result := make(chan []byte, 1)
	f.pending <- result
	go func() {
		frame := f.encode(src, dst)
		f.inputs <- src[:0]
		result <- frame
	}()
}

// Close compresses what is left and waits until every frame is written.
func (f *frameWriter) Close() error {
	if f.finished {
		return f.error()
	}
	f.finished = true
	if len(f.current) > 0 {
		f.flushFrame()
	}
	close(f.pending)
	<-f.done
	return f.error()
}
