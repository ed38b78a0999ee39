package essentials

import (
	"archive/zip"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ZoneinfoZip returns the time zone database embedded in the Go SDK's
// src/time/tzdata/zzipdata.go (the same data as its lib/time/zoneinfo.zip),
// read from the Go source with go/parser.
func ZoneinfoZip(goSource string) ([]byte, error) {
	f, err := parser.ParseFile(token.NewFileSet(), goSource, nil, 0)
	if err != nil {
		return nil, err
	}
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != "zipdata" || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				break
			}
			data, err := strconv.Unquote(lit.Value)
			return []byte(data), err
		}
	}
	return nil, fmt.Errorf("%s has no string constant zipdata; is it the Go SDK's src/time/tzdata/zzipdata.go?", goSource)
}

// WriteZoneinfo writes the zone files of a zoneinfo zip below dir, as
// /usr/share/zoneinfo holds them ("Asia/Tokyo", "UTC", ...). It returns how
// many zones it wrote.
func WriteZoneinfo(zipData []byte, dir string) (int, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		name := filepath.FromSlash(zf.Name)
		if !filepath.IsLocal(name) || strings.Contains(zf.Name, "\\") {
			return n, fmt.Errorf("zoneinfo zip has an unsafe name %q", zf.Name)
		}
		rc, err := zf.Open()
		if err != nil {
			return n, err
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		if err != nil {
			return n, fmt.Errorf("%s: %w", zf.Name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return n, err
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
