// Package push uploads an OCI image layout, an image or an index, to a
// registry with go-containerregistry's remote package, as delivery from CI
// needs it:
//
//   - only the blobs the registry lacks are uploaded (each is checked
//     first), a few at a time; then the manifest by digest; then the
//     attachments (documents about the image, as OCI 1.1 artifacts with the
//     image as subject, listed by the referrers API or its tag schema);
//     then, with signing keys, cosign's signature and attestation images
//     (package sign); then each tag;
//   - transient failures (connection errors and resets, 408, 429, 5xx) are
//     retried with exponential backoff, bounded in time, and a Retry-After
//     is waited for;
//   - credentials come from the docker and podman configuration files and
//     credential helpers (authn.DefaultKeychain);
//   - TLS is verified against the system roots plus SSL_CERT_FILE and
//     SSL_CERT_DIR; plain HTTP is used only for a loopback registry or when
//     asked;
//   - errors name the registry and say what to do, and never hold a
//     password or token.
package push
