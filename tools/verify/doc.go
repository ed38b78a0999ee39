// Package verify checks an image in a registry against public keys, as
// cosign and containers/image do: each manifest (an index and each of its
// platform images) must carry, under its tag sha256-<hex>.sig, a simple
// signing payload naming its digest and claiming the reference asked for
// (exactly REPOSITORY:TAG for a tag; the repository for a digest), signed
// by one of the keys; the in-toto attestations under sha256-<hex>.att that
// a key signed are listed by predicate type, their subject checked.
package verify
