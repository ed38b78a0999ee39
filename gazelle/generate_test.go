package gazelle

import (
	"reflect"
	"strings"
	"testing"
)

func names(targets []Target) []string {
	var out []string
	for _, t := range targets {
		out = append(out, t.Kind+" "+t.Name)
	}
	return out
}

func TestGenerate(t *testing.T) {
	on := Settings{Enabled: true, Load: true, Repository: "r.example.com/{package}/{name}"}
	cases := []struct {
		name      string
		settings  Settings
		binaries  []string
		gone      []string
		existing  []Existing
		gen       []string
		empty     []string
		noteMatch string
	}{
		{
			name: "several binaries in one directory: names prefixed", settings: on, binaries: []string{"server", "admin"},
			gen: []string{"go_scratch_image admin_image", "scratch_push admin_push", "scratch_load admin_load",
				"go_scratch_image server_image", "scratch_push server_push", "scratch_load server_load"},
		},
		{
			name: "several become one: the prefixed targets are renamed", settings: on, binaries: []string{"server"}, gone: []string{"svc"},
			existing: []Existing{
				{ImageKind, "server_image", ":server"}, {PushKind, "server_push", ":server_image"}, {LoadKind, "server_load", ":server_image"},
			},
			gen:   []string{"go_scratch_image image", "scratch_push push", "scratch_load load"},
			empty: []string{"go_scratch_image server_image", "scratch_push server_push", "scratch_load server_load"},
		},
		{
			name: "off: nothing generated, nothing removed", settings: Settings{Load: true}, binaries: []string{"server"},
			existing: []Existing{{ImageKind, "image", ":server"}},
		},
		{
			name: "gone: only what builds on the binary goes", settings: on, gone: []string{"server"},
			existing: []Existing{{ImageKind, "image", ":other"}, {PushKind, "push", ":image"}},
		},
		{
			name: "a name taken by another kind", settings: on, binaries: []string{"server"},
			existing: []Existing{{"filegroup", "push", ""}}, noteMatch: "push is a filegroup, not the scratch_push",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gen, empty, notes := Generate(tc.settings, "svc", tc.binaries, tc.gone, tc.existing)
			if got := names(gen); !reflect.DeepEqual(got, tc.gen) {
				t.Errorf("generated %q, want %q", got, tc.gen)
			}
			if got := names(empty); !reflect.DeepEqual(got, tc.empty) {
				t.Errorf("removed %q, want %q", got, tc.empty)
			}
			if tc.noteMatch != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.noteMatch)) {
				t.Errorf("notes %q, want one containing %q", notes, tc.noteMatch)
			}
		})
	}
	gen, _, _ := Generate(on, "services/api", []string{"api"}, nil, nil)
	if got := gen[1].Attrs["repository"]; got != "r.example.com/services/api/api" {
		t.Errorf("repository %q", got)
	}
}

func TestCheckLock(t *testing.T) {
	for _, tc := range []struct{ lock, pkg, want string }{
		{"//:digests", "services", ""},
		{"//services:digests", "services/api", ""},
		{"//services:digests", "services", ""},
		{"//tools:digests", "services", "must be in that package or one above it"},
		{"digests", "", "is not a label in this repository"},
		{"//:", "", "is not a label in this repository"},
	} {
		err := CheckLock(tc.lock, tc.pkg)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckLock(%q, %q) = %v, want %q", tc.lock, tc.pkg, err, tc.want)
		}
	}
}
