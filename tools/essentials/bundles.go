package essentials

// CABundlePaths are where Go's crypto/x509 looks for a CA bundle on Linux,
// in its order; the first is where the ca_certificates essential puts one,
// the last is also OpenSSL's default (OPENSSLDIR/cert.pem) on Alpine and
// Fedora, and Debian links it to the first.
var CABundlePaths = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}
