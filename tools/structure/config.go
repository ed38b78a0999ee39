package structure

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is one container-structure-test YAML file.
type Config struct {
	File          string
	GlobalEnvVars []EnvVar
	Metadata      *MetadataTest
	FileExistence []FileExistenceTest
	FileContent   []FileContentTest
	Commands      []CommandTest
}

// EnvVar is a key and a value: an environment variable, or a label.
type EnvVar struct {
	Key, Value string
	// IsRegex says Value is a regular expression the actual value must
	// match (metadataTest's env and labels); Regexp is it, compiled.
	IsRegex bool
	Regexp  *regexp.Regexp
}

// MetadataTest checks the image's configuration; nil fields are not checked.
type MetadataTest struct {
	Env, Labels                  []EnvVar
	ExposedPorts, UnexposedPorts []string
	Volumes, UnmountedVolumes    []string
	Entrypoint, Cmd              *[]string
	Workdir, User                *string
}

// FileExistenceTest checks that a path exists (or not), and its mode and owner.
type FileExistenceTest struct {
	Name, Path     string
	ShouldExist    bool
	Permissions    string
	UID, GID       *int
	IsExecutableBy string
}

// FileContentTest checks a file's content against regular expressions.
type FileContentTest struct {
	Name, Path                         string
	ExpectedContents, ExcludedContents []*regexp.Regexp
}

// CommandTest runs a program of the image and checks what it did.
type CommandTest struct {
	Name, Command                  string
	Args                           []string
	EnvVars                        []EnvVar
	ExitCode                       int
	ExpectedOutput, ExcludedOutput []*regexp.Regexp
	ExpectedError, ExcludedError   []*regexp.Regexp
}

// unsupported explains keys of container-structure-test's schema that
// these tests do not run, so that a test is never silently skipped.
var unsupported = map[string]string{
	"licenseTests":        "scratch images hold no Debian copyright files to check; drop the key",
	"containerRunOptions": "commands run without a container runtime; put variables in the test's envVars and drop the key",
	"setup":               "each command runs once in the unpacked image, with no container to prepare; fold the setup into the command's arguments",
	"teardown":            "nothing is left to tear down: the unpacked image is removed after the test",
	"excludedMetadata":    "not supported; check each field in metadataTest instead",
}

// ParseConfig reads one container-structure-test YAML file (schemaVersion
// 2.0.0); an error names the file, the test and the key.
func ParseConfig(file string, data []byte) (*Config, error) {
	c := &Config{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is empty; write schemaVersion: 2.0.0 and some tests", file)
		}
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	p := parser{file: file}
	version := ""
	p.mapping(doc.Content[0], "", map[string]func(*yaml.Node){
		"schemaVersion":      func(n *yaml.Node) { p.decode(n, "schemaVersion", &version) },
		"globalEnvVars":      func(n *yaml.Node) { c.GlobalEnvVars = p.envVars(n, "globalEnvVars") },
		"metadataTest":       func(n *yaml.Node) { c.Metadata = p.metadata(n) },
		"fileExistenceTests": func(n *yaml.Node) { c.FileExistence = p.fileExistence(n) },
		"fileContentTests":   func(n *yaml.Node) { c.FileContent = p.fileContent(n) },
		"commandTests":       func(n *yaml.Node) { c.Commands = p.commands(n) },
	})
	if p.err == nil && version != "2.0.0" {
		p.fail("", "schemaVersion", fmt.Sprintf("is %q; these tests read container-structure-test's schemaVersion \"2.0.0\"", version))
	}
	if p.err != nil {
		return nil, p.err
	}
	return c, nil
}

// parser keeps the first error, so that each field's decoding reads simply.
type parser struct {
	file string
	err  error
}

func (p *parser) fail(where, key, problem string) {
	if p.err != nil {
		return
	}
	if where != "" {
		where += ": "
	}
	p.err = fmt.Errorf("%s: %skey %q %s", p.file, where, key, problem)
}

// mapping calls each key's function with its value; an unknown key fails,
// naming the keys allowed.
func (p *parser) mapping(n *yaml.Node, where string, fields map[string]func(*yaml.Node)) {
	if p.err != nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.err = fmt.Errorf("%s: %s (line %d) is not a mapping of keys to values", p.file, orTop(where), n.Line)
		return
	}
	for i := 0; i+1 < len(n.Content) && p.err == nil; i += 2 {
		key := n.Content[i].Value
		field, ok := fields[key]
		if !ok {
			reason, known := unsupported[key]
			if !known {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				sort.Strings(names)
				reason = "is not part of container-structure-test's schema here; the keys are " + strings.Join(names, ", ")
			} else {
				reason = "is not supported by scratch_image_test: " + reason
			}
			p.fail(where, key, fmt.Sprintf("(line %d) %s", n.Content[i].Line, reason))
			return
		}
		field(n.Content[i+1])
	}
}

func orTop(where string) string {
	if where == "" {
		return "the document"
	}
	return where
}

func (p *parser) decode(n *yaml.Node, key string, v any) {
	if p.err == nil {
		if err := n.Decode(v); err != nil {
			p.err = fmt.Errorf("%s: key %q (line %d): %v", p.file, key, n.Line, err)
		}
	}
}

// sequence calls item for each element of a sequence of mappings, named
// key[i] ("name") in errors.
func (p *parser) sequence(n *yaml.Node, key string, item func(m *yaml.Node, where string)) {
	if p.err != nil {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.fail("", key, fmt.Sprintf("(line %d) is not a list", n.Line))
		return
	}
	for i, m := range n.Content {
		where := fmt.Sprintf("%s[%d]", key, i)
		if m.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(m.Content); j += 2 {
				if m.Content[j].Value == "name" {
					where += fmt.Sprintf(" (%q)", m.Content[j+1].Value)
				}
			}
		}
		item(m, where)
	}
}

func (p *parser) envVars(n *yaml.Node, key string) []EnvVar {
	var vars []EnvVar
	p.sequence(n, key, func(m *yaml.Node, where string) {
		var v EnvVar
		p.mapping(m, where, map[string]func(*yaml.Node){
			"key":     func(n *yaml.Node) { p.decode(n, "key", &v.Key) },
			"value":   func(n *yaml.Node) { p.decode(n, "value", &v.Value) },
			"isRegex": func(n *yaml.Node) { p.decode(n, "isRegex", &v.IsRegex) },
		})
		if p.err == nil && v.Key == "" {
			p.fail(where, "key", "is missing or empty")
		}
		if p.err == nil && v.IsRegex {
			if res := p.regexps(where, "value", []string{v.Value}); len(res) == 1 {
				v.Regexp = res[0]
			}
		}
		vars = append(vars, v)
	})
	return vars
}

func (p *parser) regexps(where, key string, exprs []string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, expr := range exprs {
		re, err := regexp.Compile(expr)
		if err != nil {
			p.fail(where, key, fmt.Sprintf("holds %q, which is not a regular expression: %v", expr, err))
			return nil
		}
		out = append(out, re)
	}
	return out
}

func (p *parser) regexpList(n *yaml.Node, where, key string) []*regexp.Regexp {
	var exprs []string
	p.decode(n, key, &exprs)
	return p.regexps(where, key, exprs)
}

func (p *parser) metadata(n *yaml.Node) *MetadataTest {
	m := &MetadataTest{}
	const where = "metadataTest"
	p.mapping(n, where, map[string]func(*yaml.Node){
		"env":              func(n *yaml.Node) { m.Env = p.envVars(n, where+".env") },
		"labels":           func(n *yaml.Node) { m.Labels = p.envVars(n, where+".labels") },
		"exposedPorts":     func(n *yaml.Node) { p.decode(n, "exposedPorts", &m.ExposedPorts) },
		"unexposedPorts":   func(n *yaml.Node) { p.decode(n, "unexposedPorts", &m.UnexposedPorts) },
		"volumes":          func(n *yaml.Node) { p.decode(n, "volumes", &m.Volumes) },
		"unmountedVolumes": func(n *yaml.Node) { p.decode(n, "unmountedVolumes", &m.UnmountedVolumes) },
		"entrypoint":       func(n *yaml.Node) { m.Entrypoint = new([]string); p.decode(n, "entrypoint", m.Entrypoint) },
		"cmd":              func(n *yaml.Node) { m.Cmd = new([]string); p.decode(n, "cmd", m.Cmd) },
		"workdir":          func(n *yaml.Node) { m.Workdir = new(string); p.decode(n, "workdir", m.Workdir) },
		"user":             func(n *yaml.Node) { m.User = new(string); p.decode(n, "user", m.User) },
	})
	return m
}

func (p *parser) fileExistence(n *yaml.Node) []FileExistenceTest {
	var tests []FileExistenceTest
	p.sequence(n, "fileExistenceTests", func(m *yaml.Node, where string) {
		var t FileExistenceTest
		shouldExist := false
		p.mapping(m, where, map[string]func(*yaml.Node){
			"name":           func(n *yaml.Node) { p.decode(n, "name", &t.Name) },
			"path":           func(n *yaml.Node) { p.decode(n, "path", &t.Path) },
			"shouldExist":    func(n *yaml.Node) { shouldExist = true; p.decode(n, "shouldExist", &t.ShouldExist) },
			"permissions":    func(n *yaml.Node) { p.decode(n, "permissions", &t.Permissions) },
			"uid":            func(n *yaml.Node) { t.UID = new(int); p.decode(n, "uid", t.UID) },
			"gid":            func(n *yaml.Node) { t.GID = new(int); p.decode(n, "gid", t.GID) },
			"isExecutableBy": func(n *yaml.Node) { p.decode(n, "isExecutableBy", &t.IsExecutableBy) },
		})
		p.requireNameAndPath(where, t.Name, t.Path)
		if p.err == nil && !shouldExist {
			p.fail(where, "shouldExist", "is missing; say true or false (container-structure-test's schema requires it)")
		}
		switch t.IsExecutableBy {
		case "", "any", "owner", "group", "other":
		default:
			p.fail(where, "isExecutableBy", fmt.Sprintf("is %q; say any, owner, group or other", t.IsExecutableBy))
		}
		tests = append(tests, t)
	})
	return tests
}

func (p *parser) requireNameAndPath(where, name, path string) {
	if p.err != nil {
		return
	}
	if name == "" {
		p.fail(where, "name", "is missing; every test needs a name")
	} else if !strings.HasPrefix(path, "/") {
		p.fail(where, "path", fmt.Sprintf("is %q; give an absolute path in the image", path))
	}
}

func (p *parser) fileContent(n *yaml.Node) []FileContentTest {
	var tests []FileContentTest
	p.sequence(n, "fileContentTests", func(m *yaml.Node, where string) {
		var t FileContentTest
		p.mapping(m, where, map[string]func(*yaml.Node){
			"name":             func(n *yaml.Node) { p.decode(n, "name", &t.Name) },
			"path":             func(n *yaml.Node) { p.decode(n, "path", &t.Path) },
			"expectedContents": func(n *yaml.Node) { t.ExpectedContents = p.regexpList(n, where, "expectedContents") },
			"excludedContents": func(n *yaml.Node) { t.ExcludedContents = p.regexpList(n, where, "excludedContents") },
		})
		p.requireNameAndPath(where, t.Name, t.Path)
		tests = append(tests, t)
	})
	return tests
}

func (p *parser) commands(n *yaml.Node) []CommandTest {
	var tests []CommandTest
	p.sequence(n, "commandTests", func(m *yaml.Node, where string) {
		var t CommandTest
		p.mapping(m, where, map[string]func(*yaml.Node){
			"name":           func(n *yaml.Node) { p.decode(n, "name", &t.Name) },
			"command":        func(n *yaml.Node) { p.decode(n, "command", &t.Command) },
			"args":           func(n *yaml.Node) { p.decode(n, "args", &t.Args) },
			"envVars":        func(n *yaml.Node) { t.EnvVars = p.envVars(n, where+".envVars") },
			"exitCode":       func(n *yaml.Node) { p.decode(n, "exitCode", &t.ExitCode) },
			"expectedOutput": func(n *yaml.Node) { t.ExpectedOutput = p.regexpList(n, where, "expectedOutput") },
			"excludedOutput": func(n *yaml.Node) { t.ExcludedOutput = p.regexpList(n, where, "excludedOutput") },
			"expectedError":  func(n *yaml.Node) { t.ExpectedError = p.regexpList(n, where, "expectedError") },
			"excludedError":  func(n *yaml.Node) { t.ExcludedError = p.regexpList(n, where, "excludedError") },
		})
		if p.err == nil && t.Name == "" {
			p.fail(where, "name", "is missing; every test needs a name")
		}
		if p.err == nil && t.Command == "" {
			p.fail(where, "command", "is missing; name the program to run, such as /app")
		}
		tests = append(tests, t)
	})
	return tests
}
