// Package sign signs images as cosign does, with an offline key, so that
// containers/image (podman, skopeo, CRI-O) and cosign verify them, and
// signs documents about them (SBOM, provenance) as in-toto attestations in
// DSSE envelopes.
//
//   - Keys: cosign's own encrypted key file ("ENCRYPTED SIGSTORE PRIVATE
//     KEY" or the older "ENCRYPTED COSIGN PRIVATE KEY": scrypt and NaCl
//     secretbox around a PKCS#8 key, as `cosign generate-key-pair` writes
//     it) and unencrypted PKCS#8 PEM ("PRIVATE KEY"), each of ECDSA P-256
//     or Ed25519. Only the standard library and golang.org/x/crypto.
//   - Signatures are deterministic: Ed25519 is, and ECDSA signs per RFC
//     6979 (the standard library's, with no random source). The same key
//     and payload give the same bytes, so pushing again uploads nothing.
//   - Payloads: cosign's simple signing payload (critical.identity's
//     docker-reference, critical.image's docker-manifest-digest), and
//     in-toto Statements in DSSE envelopes (the signature over DSSE's
//     pre-authentication encoding).
//   - Manifests: the signature image under the tag sha256-<hex>.sig (one
//     layer per payload, the signature in the annotation
//     dev.cosignproject.cosign/signature) and the attestation image under
//     sha256-<hex>.att (one DSSE envelope per layer, with its predicateType
//     annotated), as cosign writes them.
package sign
