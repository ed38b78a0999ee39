package structure

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// defaultPath is the PATH runtimes give a container whose image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// process is a program to run in an unpacked image.
type process struct {
	root     string // the unpacked image: the program's root
	path     string // the program, in the image
	args     []string
	env      []string
	dir      string // working directory, in the image
	uid, gid int
	timeout  time.Duration
}

// outcome is what a process did.
type outcome struct {
	stdout, stderr string
	exitCode       int
}

// errCannotStart says the machine cannot run the process at all (another
// architecture without an emulator); the test is reported as not run.
var errCannotStart = errors.New("cannot start")

// command runs a command test: the program found on the image's PATH, as
// the image's user, in its working directory, with its environment, the
// file's globalEnvVars and the test's envVars.
func (t *tester) command(c *Config, ct CommandTest) (failure, notRun string) {
	if t.opts.SkipCommands {
		return "", `commands = "skip": command tests are not run`
	}
	cfg := t.config.Config
	env := newEnvironment(cfg.Env)
	if _, ok := env.values["PATH"]; !ok {
		env.set("PATH", defaultPath)
	}
	for _, v := range append(append([]EnvVar{}, c.GlobalEnvVars...), ct.EnvVars...) {
		env.set(v.Key, os.Expand(v.Value, func(k string) string { return env.values[k] }))
	}
	dir := cfg.WorkingDir
	if dir == "" {
		dir = "/"
	}
	program, err := t.lookPath(ct.Command, env.values["PATH"], dir)
	if err != nil {
		return err.Error(), ""
	}
	uid, gid, err := t.user(cfg.User)
	if err != nil {
		return err.Error(), ""
	}
	// A runtime makes the working directory when the image lacks it.
	if _, e := t.fs.stat(dir); e == nil {
		if err := t.fs.root.MkdirAll(rel(path.Clean(dir)), 0o755); err != nil {
			return fmt.Sprintf("making the working directory %s: %v", dir, err), ""
		}
	}
	timeout := t.opts.CommandTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	out, err := run(process{
		root: t.fs.dir, path: program, args: append([]string{ct.Command}, ct.Args...),
		env: env.list(), dir: dir, uid: uid, gid: gid, timeout: timeout,
	})
	arch := t.config.Architecture
	if errors.Is(err, errCannotStart) && arch != Arch {
		return "", fmt.Sprintf("%v: this %s machine cannot run the image's %s programs; "+
			"install qemu-user-static (binfmt_misc handlers with the F flag) to run them", err, Arch, arch)
	}
	if err != nil {
		return err.Error(), ""
	}
	var problems []string
	if out.exitCode != ct.ExitCode {
		problems = append(problems, fmt.Sprintf("exit code: expected %d, got %d", ct.ExitCode, out.exitCode))
	}
	for _, p := range []string{
		matches("stdout", out.stdout, ct.ExpectedOutput, ct.ExcludedOutput),
		matches("stderr", out.stderr, ct.ExpectedError, ct.ExcludedError),
	} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		return "", ""
	}
	problems = append(problems, "stdout was: "+quoteOutput(out.stdout), "stderr was: "+quoteOutput(out.stderr))
	return strings.Join(append([]string{program}, ct.Args...), " ") + ":\n" + strings.Join(problems, "\n"), ""
}

// lookPath finds a command as a runtime does: a name with a slash as it
// is (relative to the working directory), any other on PATH.
func (t *tester) lookPath(command, pathList, dir string) (string, error) {
	if strings.Contains(command, "/") {
		p := command
		if !path.IsAbs(p) {
			p = path.Join(dir, p)
		}
		if _, e := t.fs.stat(p); e == nil {
			return "", fmt.Errorf("command %s: the image has no such file", command)
		}
		return p, nil
	}
	for _, d := range strings.Split(pathList, ":") {
		if d == "" {
			continue
		}
		p := path.Join(d, command)
		if _, e := t.fs.stat(p); e != nil && e.typ == tar.TypeReg && e.mode&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %s: not found on the image's PATH %s; name it by its path, such as /%s", command, pathList, command)
}

// user resolves the image's user ("name", "uid", "name:group", "uid:gid")
// as a runtime does, through the image's /etc/passwd and /etc/group.
func (t *tester) user(spec string) (uid, gid int, err error) {
	if spec == "" {
		return 0, 0, nil
	}
	name, group, hasGroup := strings.Cut(spec, ":")
	if n, err := strconv.Atoi(name); err == nil {
		uid = n
		if fields, ok := t.lookup("/etc/passwd", 2, name); ok {
			gid, _ = strconv.Atoi(fields[3])
		}
	} else {
		fields, ok := t.lookup("/etc/passwd", 0, name)
		if !ok {
			return 0, 0, fmt.Errorf("the image's user %q is not in its /etc/passwd, so no runtime can start it; add the user (scratch_users, or essentials = [\"passwd\"]) or give a numeric uid", name)
		}
		uid, _ = strconv.Atoi(fields[2])
		gid, _ = strconv.Atoi(fields[3])
	}
	if !hasGroup {
		return uid, gid, nil
	}
	if n, err := strconv.Atoi(group); err == nil {
		return uid, n, nil
	}
	fields, ok := t.lookup("/etc/group", 0, group)
	if !ok {
		return 0, 0, fmt.Errorf("the image's group %q is not in its /etc/group; add it or give a numeric gid", group)
	}
	gid, _ = strconv.Atoi(fields[2])
	return uid, gid, nil
}

// lookup finds the line of a passwd-style file whose field column is value.
func (t *tester) lookup(file string, column int, value string) ([]string, bool) {
	data, err := t.fs.readFile(file)
	if err != nil {
		return nil, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Split(line, ":")
		if len(fields) >= 4 && fields[column] == value {
			return fields, true
		}
	}
	return nil, false
}

// environment is a process's variables, in the order first set.
type environment struct {
	order  []string
	values map[string]string
}

func newEnvironment(list []string) *environment {
	e := &environment{values: map[string]string{}}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		e.set(k, v)
	}
	return e
}

func (e *environment) set(k, v string) {
	if _, ok := e.values[k]; !ok {
		e.order = append(e.order, k)
	}
	e.values[k] = v
}

func (e *environment) list() []string {
	out := make([]string, 0, len(e.order))
	for _, k := range e.order {
		out = append(out, k+"="+e.values[k])
	}
	return out
}

// matches checks text against regular expressions that must match and
// that must not, as container-structure-test does.
func matches(what, text string, expected, excluded []*regexp.Regexp) string {
	var problems []string
	for _, re := range expected {
		if !re.MatchString(text) {
			problems = append(problems, fmt.Sprintf("%s: expected to match %q, but does not", what, re))
		}
	}
	for _, re := range excluded {
		if loc := re.FindStringIndex(text); loc != nil {
			problems = append(problems, fmt.Sprintf("%s: expected not to match %q, but %q does", what, re, text[loc[0]:loc[1]]))
		}
	}
	return strings.Join(problems, "\n")
}

// quoteOutput quotes a program's output for a failure message, cut short.
func quoteOutput(s string) string {
	const limit = 2000
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + fmt.Sprintf(" (and %d bytes more)", len(s)-limit)
	}
	return strconv.Quote(s)
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
