package main

import (
	"context"
	"crypto"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/rules-scratch/rules_scratch/tools/diff"
	"github.com/rules-scratch/rules_scratch/tools/push"
	"github.com/rules-scratch/rules_scratch/tools/sign"
	"github.com/rules-scratch/rules_scratch/tools/verify"
)

func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var keyFiles repeated
	fs.Var(&keyFiles, "key", "a public key (PEM, as cosign.pub) whose signatures count (repeatable)")
	layout := fs.String("image", "", "an OCI layout built here: REF's digest must be its digest")
	insecure := fs.Bool("insecure", false, "allow plain HTTP to a registry that is not localhost or 127.0.0.1")
	defaultRef := fs.String("default_ref", "", "the image to check when none is given (set by scratch_verify)")
	// REF may come before or after the flags.
	var refs []string
	for {
		if err := fs.Parse(args); err != nil {
			return exitError{2, err}
		}
		if fs.NArg() == 0 {
			break
		}
		refs = append(refs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(refs) == 0 && *defaultRef != "" {
		refs = []string{*defaultRef}
	}
	if len(refs) != 1 || len(keyFiles) == 0 {
		return exitError{2, fmt.Errorf("usage: scratch verify REF --key PUBLIC_KEY... [--image LAYOUT]")}
	}
	var keys []crypto.PublicKey
	for _, f := range keyFiles {
		key, err := sign.LoadPublicKey(f)
		if err != nil {
			return exitError{2, err}
		}
		keys = append(keys, key)
	}
	var nameOpts []name.Option
	if *insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(refs[0], nameOpts...)
	if err != nil {
		return exitError{2, fmt.Errorf("%q is not an image reference: %w", refs[0], err)}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts, err := push.RemoteOptions(ctx, ref.Context(), push.WithInsecure(*insecure))
	if err != nil {
		return exitError{2, err}
	}
	report, err := verify.Verify(ref, keys, opts...)
	if err != nil {
		return exitError{2, err}
	}
	fmt.Printf("%s: %s\n", ref, report.Digest)
	fmt.Print(report)
	ok := report.Verified()
	if *layout != "" {
		same, err := sameAsLocal(*layout, refs[0], report)
		if err != nil {
			return exitError{2, err}
		}
		ok = ok && same
	}
	if !ok {
		fmt.Println("not verified")
		return exitError{code: 1}
	}
	fmt.Println("verified")
	return nil
}

// sameAsLocal says whether the layout built here has the digest verified,
// printing the differences when it has not.
func sameAsLocal(layout, ref string, report *verify.Report) (bool, error) {
	local, done, err := diff.Open(layout)
	defer done()
	if err != nil {
		return false, err
	}
	var digest fmt.Stringer
	if local.Index != nil {
		d, err := local.Index.Digest()
		if err != nil {
			return false, err
		}
		digest = d
	} else {
		d, err := local.Image.Digest()
		if err != nil {
			return false, err
		}
		digest = d
	}
	if digest.String() == report.Digest.String() {
		fmt.Printf("the local build %s has the same digest\n", layout)
		return true, nil
	}
	fmt.Printf("the local build %s is %s, not %s:\n", layout, digest, report.Digest)
	remote, doneRemote, err := diff.Open(report.Ref.Context().Digest(report.Digest.String()).String())
	defer doneRemote()
	if err != nil {
		return false, err
	}
	differences, err := diff.Compare(local, remote)
	if err != nil {
		return false, err
	}
	for _, d := range differences {
		fmt.Println(d)
	}
	return false, nil
}
