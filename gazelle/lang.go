package gazelle

import (
	"flag"
	"fmt"
	"log"
	"sort"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/label"
	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/repo"
	"github.com/bazelbuild/bazel-gazelle/resolve"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

const languageName = "scratch"

// NewLanguage is the gazelle language: list it after the Go language in a
// gazelle_binary, since it reads the go_binary rules the Go language made.
func NewLanguage() language.Language {
	return &scratchLang{locks: map[string][]string{}}
}

type scratchLang struct {
	// locks collects, per scratch_lock label, the images generated below
	// it; gazelle visits subdirectories first.
	locks map[string][]string
}

var (
	_ language.Language            = (*scratchLang)(nil)
	_ language.ModuleAwareLanguage = (*scratchLang)(nil)
)

func (*scratchLang) Name() string { return languageName }

func (*scratchLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {
	s := DefaultSettings()
	c.Exts[languageName] = &s
}

func (*scratchLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error { return nil }

// Directives are the directives the extension reads.
var Directives = []string{
	"scratch_image", "scratch_essentials", "scratch_user", "scratch_compression",
	"scratch_repository", "scratch_load", "scratch_platforms", "scratch_lock",
}

func (*scratchLang) KnownDirectives() []string { return Directives }

func settings(c *config.Config) *Settings {
	if s, ok := c.Exts[languageName].(*Settings); ok {
		return s
	}
	s := DefaultSettings()
	return &s
}

func (*scratchLang) Configure(c *config.Config, rel string, f *rule.File) {
	s := *settings(c)
	if f != nil {
		for _, d := range f.Directives {
			if err := apply(&s, d.Key, d.Value, rel); err != nil {
				log.Printf("%s: %v", f.Path, err)
			}
		}
	}
	c.Exts[languageName] = &s
}

// apply reads one directive into s.
func apply(s *Settings, key, value, rel string) error {
	value = strings.TrimSpace(value)
	list := func() []string {
		var out []string
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	onOff := func(target *bool) error {
		switch value {
		case "on":
			*target = true
		case "off":
			*target = false
		default:
			return fmt.Errorf("# gazelle:%s %q: say on or off", key, value)
		}
		return nil
	}
	switch key {
	case "scratch_image":
		return onOff(&s.Enabled)
	case "scratch_load":
		return onOff(&s.Load)
	case "scratch_essentials":
		s.Essentials = list()
	case "scratch_user":
		s.User = value
	case "scratch_compression":
		if value != "" && value != "gzip" && value != "zstd" {
			return fmt.Errorf("# gazelle:scratch_compression %q: say gzip or zstd", value)
		}
		s.Compression = value
	case "scratch_repository":
		s.Repository = value
	case "scratch_platforms":
		s.Platforms = list()
	case "scratch_lock":
		if value != "" {
			if err := CheckLock(value, rel); err != nil {
				return err
			}
		}
		s.Lock = value
	}
	return nil
}

var kinds = map[string]rule.KindInfo{
	ImageKind: {
		NonEmptyAttrs:  map[string]bool{"binary": true},
		MergeableAttrs: map[string]bool{"binary": true, "essentials": true, "user": true, "compression": true},
	},
	IndexKind: {
		NonEmptyAttrs:  map[string]bool{"image": true},
		MergeableAttrs: map[string]bool{"image": true, "platforms": true},
	},
	PushKind: {
		NonEmptyAttrs:  map[string]bool{"image": true},
		MergeableAttrs: map[string]bool{"image": true, "repository": true},
	},
	LoadKind: {
		NonEmptyAttrs:  map[string]bool{"image": true},
		MergeableAttrs: map[string]bool{"image": true},
	},
	LockKind: {
		NonEmptyAttrs:  map[string]bool{"images": true},
		MergeableAttrs: map[string]bool{"images": true},
	},
}

func (*scratchLang) Kinds() map[string]rule.KindInfo { return kinds }

func (*scratchLang) Loads() []rule.LoadInfo {
	panic("ApparentLoads should be called instead")
}

// ApparentLoads loads the rules from rules_scratch by the name the
// repository gives it (@rules_scratch, or its own repo_name).
func (*scratchLang) ApparentLoads(moduleToApparentName func(string) string) []rule.LoadInfo {
	name := moduleToApparentName("rules_scratch")
	if name == "" {
		name = "rules_scratch"
	}
	return []rule.LoadInfo{{
		Name:    "@" + name + "//rules:defs.bzl",
		Symbols: []string{ImageKind, IndexKind, LoadKind, LockKind, PushKind},
	}}
}

func (*scratchLang) Fix(c *config.Config, f *rule.File) {}

func (*scratchLang) Imports(c *config.Config, r *rule.Rule, f *rule.File) []resolve.ImportSpec {
	return nil
}

func (*scratchLang) Embeds(r *rule.Rule, from label.Label) []label.Label { return nil }

func (*scratchLang) Resolve(c *config.Config, ix *resolve.RuleIndex, rc *repo.RemoteCache, r *rule.Rule, imports interface{}, from label.Label) {
}

func (l *scratchLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	s := settings(args.Config)
	var binaries, gone []string
	for _, r := range args.OtherGen {
		if r.Kind() == "go_binary" {
			binaries = append(binaries, existingName(args.File, r))
		}
	}
	for _, r := range args.OtherEmpty {
		if r.Kind() == "go_binary" {
			gone = append(gone, r.Name())
		}
	}
	// Rules of kinds that map_kind renamed count as the kinds they wrap.
	unmapped := map[string]string{}
	for from, mapped := range args.Config.KindMap {
		unmapped[mapped.KindName] = from
	}
	var existing []Existing
	if args.File != nil {
		for _, r := range args.File.Rules {
			kind := r.Kind()
			if from, ok := unmapped[kind]; ok {
				kind = from
			}
			existing = append(existing, Existing{Kind: kind, Name: r.Name(), Ref: ref(kind, r)})
		}
	}
	gen, empty, notes := Generate(*s, args.Rel, binaries, gone, existing)
	for _, note := range notes {
		log.Print(note)
	}
	if s.Lock != "" {
		l.locks[s.Lock] = append(l.locks[s.Lock], ImageLabels(args.Rel, gen)...)
	}
	// The lock of this package, with every image generated below it.
	if args.File != nil || len(gen) > 0 {
		for lock, images := range l.locks {
			if t, ok := LockTarget(lock, args.Rel, images); ok && len(images) > 0 {
				gen = append(gen, t)
				delete(l.locks, lock)
			}
		}
	}
	var res language.GenerateResult
	for _, t := range gen {
		res.Gen = append(res.Gen, toRule(t))
		res.Imports = append(res.Imports, nil)
	}
	for _, t := range empty {
		res.Empty = append(res.Empty, rule.NewRule(t.Kind, t.Name))
	}
	return res
}

// existingName is the name the BUILD file gives the generated go_binary:
// gazelle's Go language matches a go_binary by what it embeds, and keeps
// the name a user chose ("hello-world" where it would say "cekit_scratch").
func existingName(f *rule.File, generated *rule.Rule) string {
	if f == nil {
		return generated.Name()
	}
	embed := strings.Join(generated.AttrStrings("embed"), ",")
	for _, r := range f.Rules {
		if r.Kind() == "go_binary" && r.Name() != generated.Name() && embed != "" && strings.Join(r.AttrStrings("embed"), ",") == embed {
			return r.Name()
		}
	}
	return generated.Name()
}

// ref is what a rule of this extension's kinds builds on.
func ref(kind string, r *rule.Rule) string {
	if kind == ImageKind {
		return r.AttrString("binary")
	}
	return r.AttrString("image")
}

func toRule(t Target) *rule.Rule {
	r := rule.NewRule(t.Kind, t.Name)
	names := make([]string, 0, len(t.Attrs))
	for name := range t.Attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r.SetAttr(name, t.Attrs[name])
	}
	return r
}
