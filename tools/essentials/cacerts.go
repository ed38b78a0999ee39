package essentials

import (
	"encoding/pem"
	"io"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// WriteCACertificates writes the Mozilla NSS root certificates, as packaged in
// golang.org/x/crypto/x509roots/fallback, as one PEM bundle (the format of
// /etc/ssl/certs/ca-certificates.crt). Roots that NSS trusts only for
// certificates issued before a date are left out: a PEM bundle cannot carry
// that constraint. It returns how many certificates it wrote.
func WriteCACertificates(w io.Writer) (int, error) {
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
