package importtest

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// EditZip returns the archive data (an XLSX workbook, say) with its part
// name changed by edit, every other part as it was: a file damaged or
// written by another program than the one that made data.
func EditZip(t testing.TB, data []byte, name string, edit func(part []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, zf := range zr.File {
		body, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(body)
		body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if zf.Name == name {
			b, found = edit(b), true
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("the archive has no part %s", name)
	}
	return out.Bytes()
}
