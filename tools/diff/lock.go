package diff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Lock records, per target, what an image or index must be: its digest, and
// for each platform's image its layers' diff_ids and a line per file, so
// that a change can be explained without the old image at hand. Written as
// indented JSON, a change to the lock shows in a review where files
// changed, and only there.
type Lock map[string]LockedTarget

// LockedTarget is one image, or one index (Images, per platform), with the
// digests of its SBOM and provenance and the Go modules its SBOM lists
// ("path version"), so that a bumped module is named with both versions.
type LockedTarget struct {
	Digest     string        `json:"digest"`
	SBOM       string        `json:"sbom,omitempty"`
	Provenance string        `json:"provenance,omitempty"`
	Modules    []string      `json:"modules,omitempty"`
	Images     []LockedImage `json:"images"`
}

// LockedImage is one platform's image.
type LockedImage struct {
	Platform string        `json:"platform"`
	Digest   string        `json:"digest"`
	Layers   []LockedLayer `json:"layers"`
}

// LockedLayer is a layer's digest and diff_id, and one line per path: the
// path, type, mode, uid:gid, and for files the size and content digest, for
// links the target.
type LockedLayer struct {
	Digest string   `json:"digest"`
	DiffID string   `json:"diff_id"`
	Files  []string `json:"files"`
}

// LockTarget computes the lock entry of t, reading every layer.
func LockTarget(t *Target) (LockedTarget, error) {
	if t.Image != nil {
		digest, err := t.Image.Digest()
		if err != nil {
			return LockedTarget{}, err
		}
		img, err := lockImage(t.Image)
		return LockedTarget{Digest: digest.String(), Images: []LockedImage{img}}, err
	}
	digest, err := t.Index.Digest()
	if err != nil {
		return LockedTarget{}, err
	}
	m, err := t.Index.IndexManifest()
	if err != nil {
		return LockedTarget{}, err
	}
	locked := LockedTarget{Digest: digest.String()}
	for _, desc := range m.Manifests {
		img, err := t.Index.Image(desc.Digest)
		if err != nil {
			return LockedTarget{}, err
		}
		li, err := lockImage(img)
		if err != nil {
			return LockedTarget{}, err
		}
		locked.Images = append(locked.Images, li)
	}
	return locked, nil
}

func lockImage(img v1.Image) (LockedImage, error) {
	digest, err := img.Digest()
	if err != nil {
		return LockedImage{}, err
	}
	locked := LockedImage{Platform: platformOf(img), Digest: digest.String()}
	layers, err := img.Layers()
	if err != nil {
		return LockedImage{}, err
	}
	for _, l := range layers {
		diffID, err := l.DiffID()
		if err != nil {
			return LockedImage{}, err
		}
		layerDigest, err := l.Digest()
		if err != nil {
			return LockedImage{}, err
		}
		entries, order, err := readEntries(l)
		if err != nil {
			return LockedImage{}, err
		}
		ll := LockedLayer{Digest: layerDigest.String(), DiffID: diffID.String(), Files: []string{}}
		for _, path := range order {
			ll.Files = append(ll.Files, fileLine(path, entries[path]))
		}
		locked.Layers = append(locked.Layers, ll)
	}
	return locked, nil
}

func fileLine(path string, e entry) string {
	line := fmt.Sprintf("%s %s %04o %d:%d", path, strings.ReplaceAll(typeName(e.typ), " ", "-"), e.mode, e.uid, e.gid)
	switch {
	case e.linkname != "":
		line += " -> " + e.linkname
	case e.digest != "":
		line += fmt.Sprintf(" %d %s", e.size, e.digest)
	}
	return line
}

// Marshal writes the lock as indented JSON, keys sorted, with a final
// newline.
func (l Lock) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Check returns, per target that differs from the lock, what differs: the
// locked and built digests, and the layers and files that changed.
func (l Lock) Check(built Lock) []string {
	var problems []string
	for _, name := range unionKeys(l, built) {
		locked, inLock := l[name]
		now, isBuilt := built[name]
		switch {
		case !isBuilt:
			problems = append(problems, fmt.Sprintf("%s is in the lock but not among the images checked", name))
		case !inLock:
			problems = append(problems, fmt.Sprintf("%s (%s) is not in the lock", name, now.Digest))
		case locked.Digest != now.Digest:
			problems = append(problems, explainTarget(name, locked, now))
		case locked.SBOM != now.SBOM || locked.Provenance != now.Provenance:
			problems = append(problems, explainDocuments(name, locked, now))
		}
	}
	return problems
}

// explainDocuments says how the SBOM or provenance of an unchanged image
// changed.
func explainDocuments(name string, locked, now LockedTarget) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the image is the locked one (%s), but", name, now.Digest)
	for _, doc := range []struct{ what, old, now string }{{"SBOM", locked.SBOM, now.SBOM}, {"provenance", locked.Provenance, now.Provenance}} {
		if doc.old != doc.now {
			fmt.Fprintf(&b, "\n  its %s: locked %s, built %s", doc.what, orNone(doc.old), orNone(doc.now))
		}
	}
	writeModuleChanges(&b, locked.Modules, now.Modules)
	return b.String()
}

// unionKeys are the keys of a and b, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func orNone(digest string) string {
	if digest == "" {
		return "none"
	}
	return digest
}

// writeModuleChanges names each Go module added, removed or bumped.
func writeModuleChanges(b *strings.Builder, old, now []string) {
	split := func(lines []string) map[string]string {
		m := map[string]string{}
		for _, line := range lines {
			path, version, _ := strings.Cut(line, " ")
			m[path] = version
		}
		return m
	}
	o, n := split(old), split(now)
	for _, p := range unionKeys(o, n) {
		switch ov, nv := o[p], n[p]; {
		case ov == "":
			fmt.Fprintf(b, "\n  Go module %s added: %s", p, nv)
		case nv == "":
			fmt.Fprintf(b, "\n  Go module %s removed (was %s)", p, ov)
		case ov != nv:
			fmt.Fprintf(b, "\n  Go module %s: %s -> %s", p, ov, nv)
		}
	}
}

func explainTarget(name string, locked, now LockedTarget) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: locked %s, built %s", name, locked.Digest, now.Digest)
	writeModuleChanges(&b, locked.Modules, now.Modules)
	byPlatform := map[string]LockedImage{}
	for _, img := range locked.Images {
		byPlatform[img.Platform] = img
	}
	for _, img := range now.Images {
		old, ok := byPlatform[img.Platform]
		if !ok {
			fmt.Fprintf(&b, "\n  %s: not in the lock (the lock has %s)", img.Platform, platforms(locked.Images))
			continue
		}
		delete(byPlatform, img.Platform)
		if old.Digest == img.Digest {
			continue
		}
		fmt.Fprintf(&b, "\n  %s: locked %s, built %s", img.Platform, old.Digest, img.Digest)
		layersChanged := len(old.Layers) != len(img.Layers)
		for i := 0; i < max(len(old.Layers), len(img.Layers)); i++ {
			if i < len(old.Layers) && i < len(img.Layers) && old.Layers[i].Digest != img.Layers[i].Digest {
				layersChanged = true
			}
			switch {
			case i < len(old.Layers) && i < len(img.Layers) && old.Layers[i].DiffID == img.Layers[i].DiffID && old.Layers[i].Digest != img.Layers[i].Digest:
				fmt.Fprintf(&b, "\n    layer %d: the same files, compressed otherwise: %s -> %s", i+1, old.Layers[i].Digest, img.Layers[i].Digest)
			case i >= len(img.Layers):
				fmt.Fprintf(&b, "\n    layer %d removed (%s)", i+1, old.Layers[i].DiffID)
			case i >= len(old.Layers):
				fmt.Fprintf(&b, "\n    layer %d added (%s)", i+1, img.Layers[i].DiffID)
			case old.Layers[i].DiffID != img.Layers[i].DiffID:
				fmt.Fprintf(&b, "\n    layer %d changed: diff_id %s -> %s", i+1, old.Layers[i].DiffID, img.Layers[i].DiffID)
				for _, change := range fileChanges(old.Layers[i].Files, img.Layers[i].Files) {
					b.WriteString("\n      " + change)
				}
			}
		}
		if !layersChanged {
			b.WriteString("\n    the layers are the same: the config differs (entrypoint, env, labels, created, history, ...); `scratch diff` shows how")
		}
	}
	for p := range byPlatform {
		fmt.Fprintf(&b, "\n  %s: in the lock, not built", p)
	}
	return b.String()
}

func platforms(images []LockedImage) string {
	var ps []string
	for _, img := range images {
		ps = append(ps, img.Platform)
	}
	return strings.Join(ps, ", ")
}

// fileChanges compares two layers' file lines path by path.
func fileChanges(old, now []string) []string {
	split := func(lines []string) ([]string, map[string]string) {
		var order []string
		m := map[string]string{}
		for _, line := range lines {
			path, rest, _ := strings.Cut(line, " ")
			order = append(order, path)
			m[path] = rest
		}
		return order, m
	}
	oldOrder, o := split(old)
	nowOrder, n := split(now)
	var changes []string
	for _, p := range oldOrder {
		switch rest, ok := n[p]; {
		case !ok:
			changes = append(changes, fmt.Sprintf("%s removed (was %s)", p, o[p]))
		case rest != o[p]:
			changes = append(changes, fmt.Sprintf("%s changed: %s -> %s", p, o[p], rest))
		}
	}
	for _, p := range nowOrder {
		if _, ok := o[p]; !ok {
			changes = append(changes, fmt.Sprintf("%s added: %s", p, n[p]))
		}
	}
	return changes
}
