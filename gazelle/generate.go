package gazelle

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// Settings are a directory's directives, inherited by its subdirectories.
type Settings struct {
	Enabled     bool     // scratch_image on|off
	Essentials  []string // scratch_essentials
	User        string   // scratch_user
	Compression string   // scratch_compression
	Repository  string   // scratch_repository, with {name} and {package}
	Load        bool     // scratch_load on|off
	Platforms   []string // scratch_platforms
	Lock        string   // scratch_lock: the scratch_lock's label
}

// DefaultSettings: nothing generated until a tree says scratch_image on;
// then a load target with each image.
func DefaultSettings() Settings { return Settings{Load: true} }

// Target is one rule to generate: its kind, name and attributes.
type Target struct {
	Kind, Name string
	Attrs      map[string]any
}

// Existing is a rule already in the BUILD file.
type Existing struct {
	Kind, Name string
	// Ref is the label string of what it builds on: a go_scratch_image's
	// binary; an index's, push's or load's image.
	Ref string
}

// Names are the targets generated for one binary: image, index, push and
// load, prefixed with the binary's name where a directory has several.
type Names struct{ Image, Index, Push, Load string }

// NamesFor names the targets of binary; several says the directory has
// more than one binary.
func NamesFor(binary string, several bool) Names {
	prefix := ""
	if several {
		prefix = binary + "_"
	}
	return Names{prefix + "image", prefix + "index", prefix + "push", prefix + "load"}
}

// Kinds of the rules generated.
const (
	ImageKind = "go_scratch_image"
	IndexKind = "scratch_index"
	PushKind  = "scratch_push"
	LoadKind  = "scratch_load"
	LockKind  = "scratch_lock"
)

// Generate returns the targets for a directory's binaries (pkg is its
// path), and the targets of this extension to remove: those of binaries
// gone, or named for another count of binaries. A directive turned off
// removes nothing: targets written stay until deleted by hand. A binary that has an image
// under another name and none under the generated one (written by hand),
// or whose names are taken by rules of other kinds, is left alone, and
// notes say why.
func Generate(s Settings, pkg string, binaries, goneBinaries []string, existing []Existing) (gen []Target, empty []Target, notes []string) {
	sort.Strings(binaries)
	several := len(binaries) > 1
	byName := map[string]Existing{}
	for _, e := range existing {
		byName[e.Name] = e
	}
	ours := func(kind, name, ref string) bool {
		e, ok := byName[name]
		return ok && e.Kind == kind && (e.Ref == ref || e.Ref == strings.TrimPrefix(ref, ":"))
	}
	// removeIfOurs removes the targets generated for binary under names n:
	// each only if it builds on the one before (the image on the binary,
	// the index on the image, the push and load on either).
	removeIfOurs := func(n Names, binary string) {
		image := ours(ImageKind, n.Image, ":"+binary)
		index := image && ours(IndexKind, n.Index, ":"+n.Image)
		ships := func(kind, name string) bool {
			return (image && ours(kind, name, ":"+n.Image)) || (index && ours(kind, name, ":"+n.Index))
		}
		for _, t := range []struct {
			kind, name string
			ours       bool
		}{
			{ImageKind, n.Image, image},
			{IndexKind, n.Index, index},
			{PushKind, n.Push, ships(PushKind, n.Push)},
			{LoadKind, n.Load, ships(LoadKind, n.Load)},
		} {
			if t.ours {
				empty = append(empty, Target{Kind: t.kind, Name: t.name})
			}
		}
	}
	for _, binary := range goneBinaries {
		removeIfOurs(NamesFor(binary, false), binary)
		removeIfOurs(NamesFor(binary, true), binary)
	}
	if !s.Enabled {
		return nil, empty, nil
	}
binaries:
	for _, binary := range binaries {
		n, renamed := NamesFor(binary, several), NamesFor(binary, !several)
		// Targets named for the other count of binaries are renamed.
		removeIfOurs(renamed, binary)
		for _, e := range existing {
			// Another image of the binary, and none by the generated name:
			// the directory makes its images by hand.
			if _, named := byName[n.Image]; !named && e.Kind == ImageKind && e.Name != n.Image && e.Name != renamed.Image && (e.Ref == ":"+binary || e.Ref == binary) {
				notes = append(notes, fmt.Sprintf("%s: %s %s already makes an image of %s; left alone", pkg, e.Kind, e.Name, binary))
				continue binaries
			}
		}
		// A rule by a generated name is merged only if it is of the kind
		// and builds on what the generated one would.
		for _, w := range []struct {
			name, kind string
			refs       []string
		}{
			{n.Image, ImageKind, []string{":" + binary, binary}},
			{n.Index, IndexKind, []string{":" + n.Image}},
			{n.Push, PushKind, []string{":" + n.Image, ":" + n.Index}},
			{n.Load, LoadKind, []string{":" + n.Image, ":" + n.Index}},
		} {
			e, ok := byName[w.name]
			switch {
			case !ok:
			case e.Kind != w.kind:
				notes = append(notes, fmt.Sprintf("%s: %s is a %s, not the %s it would generate for %s; left alone (rename it, or say # gazelle:scratch_image off)", pkg, w.name, e.Kind, w.kind, binary))
				continue binaries
			case !slices.Contains(w.refs, e.Ref):
				notes = append(notes, fmt.Sprintf("%s: %s %s builds on %q, not %s; left alone (written by hand; say # gazelle:scratch_image off here to silence this)", pkg, e.Kind, w.name, e.Ref, w.refs[0]))
				continue binaries
			}
		}
		image := Target{Kind: ImageKind, Name: n.Image, Attrs: map[string]any{"binary": ":" + binary}}
		if len(s.Essentials) > 0 {
			image.Attrs["essentials"] = s.Essentials
		}
		if s.User != "" {
			image.Attrs["user"] = s.User
		}
		if s.Compression != "" {
			image.Attrs["compression"] = s.Compression
		}
		gen = append(gen, image)
		locked := &image
		shipped := ":" + n.Image
		if len(s.Platforms) > 0 {
			gen = append(gen, Target{Kind: IndexKind, Name: n.Index, Attrs: map[string]any{"image": ":" + n.Image, "platforms": s.Platforms}})
			locked = &gen[len(gen)-1]
			shipped = ":" + n.Index
		}
		// The lock, in another package, reads a new image or index (an
		// existing one keeps the visibility it has).
		if lockPkg, _, ok := strings.Cut(strings.TrimPrefix(s.Lock, "//"), ":"); ok && lockPkg != pkg && byName[locked.Name].Name == "" {
			locked.Attrs["visibility"] = []string{"//" + lockPkg + ":__pkg__"}
		}
		if s.Repository != "" {
			gen = append(gen, Target{Kind: PushKind, Name: n.Push, Attrs: map[string]any{"image": shipped, "repository": Repository(s.Repository, binary, pkg)}})
		}
		if s.Load {
			gen = append(gen, Target{Kind: LoadKind, Name: n.Load, Attrs: map[string]any{"image": shipped}})
		}
	}
	return gen, empty, notes
}

// Repository expands a scratch_repository template: {name} is the
// binary's name, {package} its package's path.
func Repository(template, binary, pkg string) string {
	return strings.NewReplacer("{name}", binary, "{package}", pkg).Replace(template)
}

// ImageLabels are the labels a lock lists for the generated targets: the
// index where there is one, else the image.
func ImageLabels(pkg string, gen []Target) []string {
	var labels []string
	indexed := map[string]bool{}
	for _, t := range gen {
		if t.Kind == IndexKind {
			indexed[strings.TrimPrefix(t.Attrs["image"].(string), ":")] = true
		}
	}
	for _, t := range gen {
		if (t.Kind == ImageKind && !indexed[t.Name]) || t.Kind == IndexKind {
			labels = append(labels, "//"+pkg+":"+t.Name)
		}
	}
	return labels
}

// LockTarget is the scratch_lock that lists images, if lock (a label
// such as //:digests) is in package pkg.
func LockTarget(lock, pkg string, images []string) (Target, bool) {
	lockPkg, name, ok := strings.Cut(strings.TrimPrefix(lock, "//"), ":")
	if !ok || lockPkg != pkg {
		return Target{}, false
	}
	sorted := append([]string(nil), images...)
	sort.Strings(sorted)
	return Target{Kind: LockKind, Name: name, Attrs: map[string]any{"images": sorted}}, true
}

// CheckLock says what is wrong with a scratch_lock directive given in
// package pkg: the lock must be there or above, where gazelle, walking
// subdirectories first, writes it after every image below.
func CheckLock(lock, pkg string) error {
	lockPkg, name, ok := strings.Cut(strings.TrimPrefix(lock, "//"), ":")
	if !strings.HasPrefix(lock, "//") || !ok || name == "" {
		return fmt.Errorf("scratch_lock %q is not a label in this repository such as //:digests", lock)
	}
	if lockPkg != "" && pkg != lockPkg && !strings.HasPrefix(pkg+"/", lockPkg+"/") {
		return fmt.Errorf("scratch_lock %s, given in %s, must be in that package or one above it (such as //%s:digests)", lock, orRoot(pkg), pkg)
	}
	return nil
}

func orRoot(pkg string) string {
	if pkg == "" {
		return "the root package"
	}
	return path.Clean(pkg)
}
