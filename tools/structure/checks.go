package structure

import (
	"archive/tar"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/rules-scratch/rules_scratch/tools/essentials"
	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// shells are the names of programs that give a shell.
var shells = map[string]bool{
	"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true,
	"csh": true, "tcsh": true, "fish": true, "busybox": true, "toybox": true,
}

func (t *tester) checks() {
	c := t.opts.Checks
	for _, check := range []struct {
		on   bool
		name string
		run  func() string
	}{
		{c.Static, "static", t.static},
		{c.NoShell, "no_shell", t.noShell},
		{c.NonRoot, "non_root", t.nonRoot},
		{c.NoSetuid, "no_setuid", t.noSetuid},
		{c.CACertificates, "ca_certificates", t.caCertificates},
	} {
		if check.on {
			t.record("checks", check.name, func() (string, string) { return check.run(), "" })
		}
	}
}

// static: every ELF executable is static and for the image's architecture.
func (t *tester) static() string {
	var problems []string
	for _, p := range t.fs.sortedPaths() {
		e := t.fs.entries[p]
		if e.typ != tar.TypeReg || e.mode&0o111 == 0 {
			continue
		}
		f, err := t.fs.root.Open(rel(p))
		if err != nil {
			return err.Error()
		}
		exe, err := layer.InspectELF(f, e.mode)
		f.Close()
		if err == nil {
			err = exe.CheckRuns(t.config.Architecture)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %v", p, err))
		}
	}
	return strings.Join(problems, "\n")
}

// noShell: no executable or symlink is named like a shell.
func (t *tester) noShell() string {
	var problems []string
	for _, p := range t.fs.sortedPaths() {
		e := t.fs.entries[p]
		if !shells[path.Base(p)] || (e.typ != tar.TypeSymlink && (e.typ != tar.TypeReg || e.mode&0o111 == 0)) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s is a shell (%s); a scratch image should have none: remove it from the layer that adds it", p, typeName(e.typ)))
	}
	return strings.Join(problems, "\n")
}

// nonRoot: the image's user is not root, and a named user (or group)
// resolves in the image's /etc/passwd (/etc/group) as a runtime needs.
func (t *tester) nonRoot() string {
	spec := t.config.Config.User
	if spec == "" {
		return `the image sets no user, so it runs as root; set user = "nonroot" (with essentials = ["passwd"]) or a numeric uid such as "65532"`
	}
	uid, _, err := t.user(spec)
	if err != nil {
		return err.Error()
	}
	if uid == 0 {
		return fmt.Sprintf("the image's user %q is uid 0, root; set a user that is not", spec)
	}
	return ""
}

// noSetuid: no file has the setuid or setgid bit.
func (t *tester) noSetuid() string {
	var problems []string
	for _, p := range t.fs.sortedPaths() {
		e := t.fs.entries[p]
		if e.typ != tar.TypeDir && e.mode&0o6000 != 0 {
			problems = append(problems, fmt.Sprintf("%s has mode %s (%s)", p, e.fileMode(), strconv.FormatInt(e.mode, 8)))
		}
	}
	return strings.Join(problems, "\n")
}

// caCertificates: a bundle with at least one certificate where Go (and
// OpenSSL) look.
func (t *tester) caCertificates() string {
	var looked []string
	for _, p := range essentials.CABundlePaths {
		resolved, e := t.fs.stat(p)
		if e == nil || e.typ != tar.TypeReg {
			looked = append(looked, p+": none")
			continue
		}
		data, err := t.fs.root.ReadFile(rel(resolved))
		if err != nil {
			return err.Error()
		}
		n := 0
		for {
			var block *pem.Block
			block, data = pem.Decode(data)
			if block == nil {
				break
			}
			if block.Type == "CERTIFICATE" {
				if _, err := x509.ParseCertificate(block.Bytes); err == nil {
					n++
				}
			}
		}
		if n > 0 {
			return ""
		}
		looked = append(looked, describe(p, resolved)+": no certificate in it")
	}
	return "no CA certificate bundle where Go and OpenSSL look (" + strings.Join(looked, "; ") +
		`); add essentials = ["ca_certificates"] to the image`
}
