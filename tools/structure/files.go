package structure

import (
	"fmt"
	"io/fs"
	"strings"
)

// metadata checks the image's configuration as container-structure-test's
// metadataTest does; every mismatch is listed.
func (t *tester) metadata(m *MetadataTest) string {
	c := t.config.Config
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	keyValues := func(what string, want []EnvVar, have map[string]string) {
		for _, w := range want {
			v, ok := have[w.Key]
			switch {
			case !ok:
				add("%s %s: expected %q, but the image has no %s %s", what, w.Key, w.Value, what, w.Key)
			case w.IsRegex && !w.Regexp.MatchString(v):
				add("%s %s: expected to match %q, got %q", what, w.Key, w.Value, v)
			case !w.IsRegex && v != w.Value:
				add("%s %s: expected %q, got %q", what, w.Key, w.Value, v)
			}
		}
	}
	keyValues("env", m.Env, env)
	keyValues("label", m.Labels, c.Labels)

	ports := map[string]bool{}
	for p := range c.ExposedPorts {
		ports[p] = true
		if number, ok := strings.CutSuffix(p, "/tcp"); ok {
			ports[number] = true
		}
	}
	volumes := map[string]bool{}
	for v := range c.Volumes {
		volumes[v] = true
	}
	members := func(what string, want []string, have map[string]bool, should bool) {
		for _, w := range want {
			if have[w] != should {
				if should {
					add("%s %s: expected, but the image has %s", what, w, listOf(have))
				} else {
					add("%s %s: expected absent, but the image has it", what, w)
				}
			}
		}
	}
	members("exposed port", m.ExposedPorts, ports, true)
	members("exposed port", m.UnexposedPorts, ports, false)
	members("volume", m.Volumes, volumes, true)
	members("volume", m.UnmountedVolumes, volumes, false)

	lists := func(what string, want *[]string, have []string) {
		if want != nil && !equalStrings(*want, have) {
			add("%s: expected %q, got %q", what, *want, have)
		}
	}
	lists("entrypoint", m.Entrypoint, c.Entrypoint)
	lists("cmd", m.Cmd, c.Cmd)
	if m.Workdir != nil && *m.Workdir != c.WorkingDir {
		add("workdir: expected %q, got %q", *m.Workdir, c.WorkingDir)
	}
	if m.User != nil && *m.User != c.User {
		add("user: expected %q, got %q", *m.User, c.User)
	}
	return strings.Join(problems, "\n")
}

func listOf(set map[string]bool) string {
	if len(set) == 0 {
		return "none"
	}
	var names []string
	for name := range set {
		if !strings.HasSuffix(name, "/tcp") || !set[strings.TrimSuffix(name, "/tcp")] {
			names = append(names, name)
		}
	}
	return strings.Join(sorted(names), ", ")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fileExistence checks a path as a runtime's stat sees it: symlinks
// followed, a dangling one absent.
func (t *tester) fileExistence(ft FileExistenceTest) string {
	resolved, e := t.fs.stat(ft.Path)
	name := describe(ft.Path, resolved)
	if e == nil {
		if ft.ShouldExist {
			return fmt.Sprintf("%s: expected to exist, but the image has nothing there", name)
		}
		return ""
	}
	if !ft.ShouldExist {
		return fmt.Sprintf("%s: expected absent, but the image has a %s there", name, typeName(e.typ))
	}
	var problems []string
	if ft.Permissions != "" && e.fileMode().String() != ft.Permissions {
		problems = append(problems, fmt.Sprintf("%s: permissions: expected %s, got %s", name, ft.Permissions, e.fileMode()))
	}
	if ft.UID != nil && *ft.UID != e.uid {
		problems = append(problems, fmt.Sprintf("%s: uid: expected %d, got %d", name, *ft.UID, e.uid))
	}
	if ft.GID != nil && *ft.GID != e.gid {
		problems = append(problems, fmt.Sprintf("%s: gid: expected %d, got %d", name, *ft.GID, e.gid))
	}
	if ft.IsExecutableBy != "" {
		bits := map[string]int64{"any": 0o111, "owner": 0o100, "group": 0o010, "other": 0o001}[ft.IsExecutableBy]
		if e.mode&bits == 0 {
			problems = append(problems, fmt.Sprintf("%s: expected executable by %s, but its mode is %s", name, ft.IsExecutableBy, fs.FileMode(e.mode&0o777)))
		}
	}
	return strings.Join(problems, "\n")
}

// fileContent checks a regular file's bytes against regular expressions.
func (t *tester) fileContent(ct FileContentTest) string {
	data, err := t.fs.readFile(ct.Path)
	if err != nil {
		return err.Error()
	}
	return matches(ct.Path+": contents", string(data), ct.ExpectedContents, ct.ExcludedContents)
}
