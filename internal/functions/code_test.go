package functions

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

type zfile struct {
	name string
	body string
	mode os.FileMode
}

func makeZip(t testing.TB, files ...zfile) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if f.mode != 0 {
			h.SetMode(f.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckZip(t *testing.T) {
	t.Parallel()
	good := makeZip(t, zfile{"bootstrap", "#!/bin/sh", 0o755}, zfile{"lib/x.js", "x", 0o644})
	p, err := checkZip(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.hash) != 64 || p.sha256 == "" {
		t.Fatalf("bad hashes %+v", p)
	}
	cases := map[string][]byte{
		"empty":         nil,
		"not a zip":     []byte("hello, I am not a zip file at all"),
		"truncated zip": good[:len(good)/2],
		"parent path":   makeZip(t, zfile{"../evil", "x", 0}),
		"nested parent": makeZip(t, zfile{"a/../../evil", "x", 0}),
		"absolute path": makeZip(t, zfile{"/etc/evil", "x", 0}),
		"backslashes":   makeZip(t, zfile{`..\evil`, "x", 0}),
	}
	for name, data := range cases {
		if got := codeOf(func() error { _, err := checkZip(data); return err }()); got != "InvalidParameterValueException" {
			t.Errorf("%s: %q, want InvalidParameterValueException", name, got)
		}
	}
}

func TestUnzipKeepsModesAndSkipsLinks(t *testing.T) {
	t.Parallel()
	data := makeZip(t,
		zfile{"bootstrap", "#!/bin/sh\necho hi", 0o755},
		zfile{"dir/", "", os.ModeDir | 0o755},
		zfile{"dir/data.txt", "data", 0o600},
		zfile{"link", "/etc/passwd", os.ModeSymlink | 0o777},
	)
	dir := t.TempDir()
	if err := unzipTo(data, dir); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "bootstrap"))
	if err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("bootstrap lost its exec bit: %v %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dir/data.txt")); string(b) != "data" {
		t.Fatal("nested file missing")
	}
	if _, err := os.Lstat(filepath.Join(dir, "link")); !os.IsNotExist(err) {
		t.Fatal("symlink was extracted")
	}
}

func FuzzCheckZip(f *testing.F) {
	f.Add(makeZip(f, zfile{"index.js", "exports.handler=1", 0o644}))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := checkZip(data)
		if err != nil {
			return
		}
		// Whatever passed the check must unpack inside its directory.
		dir := t.TempDir()
		if err := unzipTo(p.zip, dir); err != nil {
			return
		}
		filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if rel, _ := filepath.Rel(dir, path); len(rel) >= 2 && rel[:2] == ".." {
				t.Fatalf("%s escaped the task root", path)
			}
			return nil
		})
	})
}
