package structure

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Checks are the scratch checks to run besides the YAML tests.
type Checks struct {
	Static, NoShell, NonRoot, NoSetuid, CACertificates bool
}

// Options say what to run.
type Options struct {
	Configs []*Config
	Checks  Checks
	// SkipCommands reports every command test as not run, on purpose.
	SkipCommands bool
	// TempDir holds the unpacked images; os.TempDir() if empty.
	TempDir string
	// CommandTimeout bounds each command test (default one minute).
	CommandTimeout time.Duration
}

// Result is the outcome of one test or check on one image.
type Result struct {
	Suite    string // the image's platform
	Class    string // the YAML file, or "checks"
	Name     string
	Failure  string // empty if it passed or was not run
	NotRun   string // why it was not run
	Duration time.Duration
}

// Passed says the test ran and passed.
func (r Result) Passed() bool { return r.Failure == "" && r.NotRun == "" }

// Suite is the results of one image, and what reading it cost.
type Suite struct {
	Name       string
	Digest     string
	Results    []Result
	Duration   time.Duration
	LayerBytes []int64
}

// Image is one image to test, named by its platform (the config's if empty).
type Image struct {
	Name  string
	Image v1.Image
}

// Platforms lists an index's images by platform, skipping manifests that
// are not for a platform (attestations): all of them, or those of the
// platforms named ("linux/arm64" names any variant of it).
func Platforms(idx v1.ImageIndex, only ...string) ([]Image, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var images []Image
	var names []string
	found := map[string]bool{}
	for _, d := range m.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" || !d.MediaType.IsImage() {
			continue
		}
		name := d.Platform.String()
		names = append(names, name)
		wanted := len(only) == 0
		for _, o := range only {
			if name == o || strings.HasPrefix(name, o+"/") {
				wanted, found[o] = true, true
			}
		}
		if !wanted {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		images = append(images, Image{Name: name, Image: img})
	}
	for _, o := range only {
		if !found[o] {
			return nil, fmt.Errorf("the index has no image for platform %s; it has %s", o, strings.Join(names, ", "))
		}
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("the index holds no image for a platform")
	}
	return images, nil
}

// Test runs the tests and checks against one image.
func Test(img Image, opts Options) (*Suite, error) {
	start := time.Now()
	digest, err := img.Image.Digest()
	if err != nil {
		return nil, err
	}
	config, err := img.Image.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image's config: %w", err)
	}
	suite := &Suite{Name: img.Name, Digest: digest.String()}
	if suite.Name == "" {
		suite.Name = config.Platform().String()
	}
	dir, err := os.MkdirTemp(opts.TempDir, "image-*")
	if err != nil {
		return nil, err
	}
	defer removeUnpacked(dir)
	m, err := newMergedFS(dir)
	if err != nil {
		return nil, err
	}
	defer m.close()
	layers, err := img.Image.Layers()
	if err != nil {
		return nil, err
	}
	for i, l := range layers {
		if err := readLayer(m, l, i); err != nil {
			return nil, err
		}
	}
	if err := m.finish(); err != nil {
		return nil, err
	}
	suite.LayerBytes = m.layerBytes

	t := &tester{fs: m, config: config, opts: opts, suite: suite}
	for _, c := range opts.Configs {
		t.configTests(c)
	}
	t.checks()
	suite.Duration = time.Since(start)
	return suite, nil
}

func readLayer(m *mergedFS, l v1.Layer, i int) error {
	r, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("layer %d: %w", i, err)
	}
	defer r.Close()
	return m.apply(r, i)
}

// removeUnpacked removes an unpacked image, whose directories may lack
// write permission for their owner.
func removeUnpacked(dir string) {
	if os.RemoveAll(dir) == nil {
		return
	}
	// WalkDir calls the function for a directory before reading it.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}

type tester struct {
	fs     *mergedFS
	config *v1.ConfigFile
	opts   Options
	suite  *Suite
}

// record runs one test, its failure a description of what differs.
func (t *tester) record(class, name string, test func() (failure, notRun string)) {
	start := time.Now()
	failure, notRun := test()
	t.suite.Results = append(t.suite.Results, Result{
		Suite: t.suite.Name, Class: class, Name: name,
		Failure: failure, NotRun: notRun, Duration: time.Since(start),
	})
}

func (t *tester) configTests(c *Config) {
	if c.Metadata != nil {
		t.record(c.File, "metadataTest", func() (string, string) { return t.metadata(c.Metadata), "" })
	}
	for _, ft := range c.FileExistence {
		t.record(c.File, "fileExistenceTests: "+ft.Name, func() (string, string) { return t.fileExistence(ft), "" })
	}
	for _, ct := range c.FileContent {
		t.record(c.File, "fileContentTests: "+ct.Name, func() (string, string) { return t.fileContent(ct), "" })
	}
	for _, cmd := range c.Commands {
		t.record(c.File, "commandTests: "+cmd.Name, func() (string, string) { return t.command(c, cmd) })
	}
}

// Arch is the architecture the tool runs on, which runs an image's
// programs without emulation.
var Arch = runtime.GOARCH

// Write prints the suite for people: each test, then a summary line.
func (s *Suite) Write(w io.Writer) {
	failed, notRun := 0, 0
	for _, r := range s.Results {
		switch {
		case r.Failure != "":
			failed++
			fmt.Fprintf(w, "FAIL     %s: %s\n         %s\n", r.Class, r.Name, indent(r.Failure))
		case r.NotRun != "":
			notRun++
			fmt.Fprintf(w, "NOT RUN  %s: %s\n         %s\n", r.Class, r.Name, indent(r.NotRun))
		default:
			fmt.Fprintf(w, "PASS     %s: %s\n", r.Class, r.Name)
		}
	}
	var total int64
	for _, n := range s.LayerBytes {
		total += n
	}
	fmt.Fprintf(w, "%s (%s): %s, %d failed, %d not run, in %.3f s; %s read once each (%.1f MiB uncompressed)\n",
		s.Name, s.Digest, count(len(s.Results), "test"), failed, notRun, s.Duration.Seconds(), count(len(s.LayerBytes), "layer"), float64(total)/(1<<20))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n         ") }
