package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/rules-scratch/rules_scratch/tools/image"
	"github.com/rules-scratch/rules_scratch/tools/push"
)

func runPush(args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	layout := fs.String("layout", "", "the OCI layout of the image or index to push")
	defaultRepository := fs.String("default_repository", "", "the repository, unless --repository is given (set by scratch_push)")
	var defaultTags, tags, stampInfo, attachments, signKeys repeated
	fs.Var(&defaultTags, "default_tag", "a tag, unless --tag is given (repeatable; set by scratch_push)")
	repository := fs.String("repository", "", "the repository to push to, such as registry.example.com/team/app")
	fs.Var(&tags, "tag", "a tag to put on the pushed digest (repeatable); replaces the target's tags")
	insecure := fs.Bool("insecure", false, "allow plain HTTP to a registry that is not localhost or 127.0.0.1")
	fs.Var(&attachments, "attach", "a document to push as an OCI 1.1 artifact about the image, TYPE=PATH, or TYPE@PLATFORM=PATH for one platform's image of an index (repeatable; set by scratch_push)")
	fs.Var(&signKeys, "sign_key", "a private key to sign the image and its attachments with, as cosign does: cosign's cosign.key (password from COSIGN_PASSWORD) or a PKCS#8 PEM of ECDSA P-256 or Ed25519 (repeatable)")
	signKeyEnv := fs.String("sign_key_env", "", "an environment variable holding the path of a signing key (set by scratch_push's sign_key_env)")
	fs.Var(&stampInfo, "stamp_info", "a workspace status file whose keys {KEY} in the repository and tags name (repeatable; set with --stamp)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	repo := cmpOr(*repository, *defaultRepository)
	if *layout == "" || repo == "" {
		return fmt.Errorf("--layout and --repository are required")
	}
	if len(tags) == 0 {
		tags = defaultTags
	}
	status, err := readStatus(stampInfo)
	if err != nil {
		return err
	}
	if repo, err = stamp(repo, status, stampInfo != nil); err != nil {
		return err
	}
	for i := range tags {
		if tags[i], err = stamp(tags[i], status, stampInfo != nil); err != nil {
			return err
		}
	}
	if *signKeyEnv != "" {
		path := os.Getenv(*signKeyEnv)
		if path == "" {
			return fmt.Errorf("the target signs with the key whose path $%s holds, but %s is not set: set it, or give --sign_key", *signKeyEnv, *signKeyEnv)
		}
		signKeys = append(signKeys, path)
	}
	// Keys are read before any request: a wrong password fails first.
	keys, err := push.LoadSigningKeys(signKeys, func(w string) { fmt.Fprintf(os.Stderr, "scratch push: warning: %s\n", w) })
	if err != nil {
		return err
	}
	opts := []push.Option{push.WithProgress(os.Stderr), push.WithInsecure(*insecure), push.WithSigningKeys(keys...)}
	for _, a := range attachments {
		attachment, err := push.ParseAttachment(a)
		if err != nil {
			return err
		}
		opts = append(opts, push.WithAttachments(attachment))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ref, err := push.Push(ctx, *layout, repo, tags, opts...)
	if err != nil {
		return err
	}
	fmt.Println(ref.String())
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// readStatus reads Bazel's workspace status files: "KEY value" lines.
func readStatus(files []string) (map[string]string, error) {
	status := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("workspace status: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			key, value, _ := strings.Cut(sc.Text(), " ")
			status[key] = value
		}
	}
	return status, nil
}

var statusKey = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// stamp replaces each {KEY} in s by its value in Bazel's workspace status.
func stamp(s string, status map[string]string, stamped bool) (string, error) {
	var err error
	out := statusKey.ReplaceAllStringFunc(s, func(m string) string {
		key := m[1 : len(m)-1]
		if !stamped {
			err = fmt.Errorf("%q uses %s from Bazel's workspace status, which needs stamping: run `bazel run --stamp ...`", s, m)
			return m
		}
		value, ok := status[key]
		if !ok && err == nil {
			keys := make([]string, 0, len(status))
			for k := range status {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			err = fmt.Errorf("%q uses %s, but the workspace status has no %s; it has %s (add keys with --workspace_status_command)", s, m, key, strings.Join(keys, ", "))
		}
		return value
	})
	return out, err
}

func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	layout := fs.String("layout", "", "the OCI layout of the image (or index) to load")
	var defaultTags, tags repeated
	fs.Var(&defaultTags, "default_tag", "a name of the image, unless --tag is given (repeatable; set by scratch_load)")
	fs.Var(&tags, "tag", "a name to load the image under, instead of its repo_tags (repeatable)")
	platform := fs.String("platform", "", "of an index: the platform whose image is loaded")
	runtime := fs.String("runtime", os.Getenv("SCRATCH_LOAD_RUNTIME"), "podman or docker (default: $SCRATCH_LOAD_RUNTIME, else whichever is installed, podman first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *layout == "" {
		return fmt.Errorf("--layout is required")
	}
	names := tags
	if len(names) == 0 {
		names = defaultTags
	}
	bin, err := findRuntime(*runtime)
	if err != nil {
		return err
	}
	// The tarball is made as it is read: nothing is stored twice.
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(image.WriteTarball(pw, *layout, names, *platform)) }()
	cmd := exec.Command(bin, "load")
	cmd.Stdin = pr
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s load: %w", bin, err)
	}
	var loaded []string
	for _, m := range regexp.MustCompile(`(?m)^Loaded image(?:\(s\))?: (\S+)`).FindAllStringSubmatch(out.String(), -1) {
		loaded = append(loaded, m[1])
	}
	if len(loaded) == 0 {
		return fmt.Errorf("%s load named no image; it printed: %s", bin, out.String())
	}
	// podman names the image after index.json, the first name only: give it
	// the others asked for.
	for _, tag := range tags[min(1, len(tags)):] {
		if slices.Contains(loaded, tag) {
			continue
		}
		if err := exec.Command(bin, "tag", loaded[0], tag).Run(); err != nil {
			return fmt.Errorf("%s tag %s %s: %w", bin, loaded[0], tag, err)
		}
		loaded = append(loaded, tag)
	}
	for _, name := range loaded {
		id, err := exec.Command(bin, "image", "inspect", "--format", "{{.Id}}", name).Output()
		if err != nil {
			return fmt.Errorf("%s image inspect %s: %w", bin, name, err)
		}
		fmt.Printf("%s sha256:%s\n", name, strings.TrimPrefix(strings.TrimSpace(string(id)), "sha256:"))
	}
	return nil
}

// findRuntime returns the path of the runtime asked for, or of podman or
// docker, whichever is installed.
func findRuntime(asked string) (string, error) {
	switch asked {
	case "podman", "docker":
		path, err := exec.LookPath(asked)
		if err != nil {
			return "", fmt.Errorf("%s is not on PATH: install it, or choose the other with --runtime or SCRATCH_LOAD_RUNTIME", asked)
		}
		return path, nil
	case "":
		for _, name := range []string{"podman", "docker"} {
			if path, err := exec.LookPath(name); err == nil {
				return path, nil
			}
		}
		return "", fmt.Errorf("neither podman nor docker is on PATH: install one to load images")
	}
	return "", fmt.Errorf("unknown runtime %q: use podman or docker", asked)
}
