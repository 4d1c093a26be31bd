package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree writes files (path → content) under dir; a path ending in
// "*" is written executable, without the star.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		// WriteFile's mode is filtered by the umask.
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// entry is one file of a package as a function would see it.
type entry struct {
	mode fs.FileMode
	body string
	mod  time.Time
}

func readZip(t *testing.T, b []byte) ([]string, map[string]entry) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	out := map[string]entry{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		out[f.Name] = entry{mode: f.Mode(), body: string(body), mod: f.Modified}
	}
	return names, out
}

func pkg(t *testing.T, f Function) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Package(ctx, f)
	if err != nil {
		t.Fatalf("Package: %v", err)
	}
	return b
}

func TestZipIsDeterministic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"index.mjs":             "export const handler = async () => 1;\n",
		"lib/util.js":           "module.exports = 2;\n",
		"bin/tool*":             "#!/bin/sh\necho hi\n",
		"z/deep/er/file.txt":    "deep\n",
		".git/HEAD":             "ref: refs/heads/main\n",
		".aws-sam/build/x":      "stale build\n",
		".gatehouse/master.key": "secret\n",
	})
	// CodeUri relative to the template's directory, as templates write it.
	f := Function{LogicalID: "Fn", CodeURI: filepath.Base(dir) + "/", BaseDir: filepath.Dir(dir), Runtime: "nodejs20.x", Handler: "index.handler"}

	first := pkg(t, f)
	if again := pkg(t, f); !bytes.Equal(first, again) {
		t.Fatal("the same tree packaged twice gives different bytes")
	}

	// Times and the permission bits other than execute do not count.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			os.Chtimes(p, old, old)
		}
		return nil
	})
	os.Chmod(filepath.Join(dir, "lib/util.js"), 0o600)
	if touched := pkg(t, f); !bytes.Equal(first, touched) {
		t.Error("changing times or read/write bits changed the package")
	}

	names, files := readZip(t, first)
	want := []string{"bin/tool", "index.mjs", "lib/util.js", "z/deep/er/file.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("entries %v, want %v (sorted, without .git, .aws-sam, .gatehouse)", names, want)
	}
	for name, e := range files {
		wantMode := fs.FileMode(0o644)
		if name == "bin/tool" {
			wantMode = 0o755
		}
		if e.mode.Perm() != wantMode {
			t.Errorf("%s: mode %v, want %v", name, e.mode.Perm(), wantMode)
		}
		if !e.mod.Equal(fixedTime) {
			t.Errorf("%s: modified %v, want the fixed %v", name, e.mod, fixedTime)
		}
	}
	if files["bin/tool"].body != "#!/bin/sh\necho hi\n" {
		t.Errorf("bin/tool: %q", files["bin/tool"].body)
	}

	// Content does count, and so does the execute bit.
	os.WriteFile(filepath.Join(dir, "lib/util.js"), []byte("module.exports = 3;\n"), 0o600)
	if changed := pkg(t, f); bytes.Equal(first, changed) {
		t.Error("changed content packaged to the same bytes")
	}
	os.WriteFile(filepath.Join(dir, "lib/util.js"), []byte("module.exports = 2;\n"), 0o600)
	os.Chmod(filepath.Join(dir, "index.mjs"), 0o755)
	if changed := pkg(t, f); bytes.Equal(first, changed) {
		t.Error("a file made executable packaged to the same bytes")
	}
}

func TestSymlinkedFileIsPackagedAsItsContent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"real.js": "real\n"})
	if err := os.Symlink("real.js", filepath.Join(dir, "link.js")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	_, files := readZip(t, pkg(t, Function{LogicalID: "Fn", CodeURI: dir, Runtime: "nodejs20.x"}))
	if files["link.js"].body != "real\n" || files["real.js"].body != "real\n" {
		t.Errorf("files %v", files)
	}
}

func TestZipCodeUriIsUsedAsIs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Deliberately not deterministic: the file's bytes must pass through.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "app.py", Modified: time.Now()})
	io.WriteString(w, "def handler(e, c): return 1\n")
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "fn.ZIP"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := pkg(t, Function{LogicalID: "Fn", CodeURI: "fn.ZIP", BaseDir: dir, Runtime: "python3.12"})
	if !bytes.Equal(got, buf.Bytes()) {
		t.Error("a zip CodeUri was not passed through unchanged")
	}
}

func TestCodeUriErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"notes.txt": "not code\n"})
	cases := []struct {
		name  string
		uri   string
		want  []string
		isErr error
	}{
		{name: "missing directory", uri: "src/missing/", want: []string{"Fn", `CodeUri "src/missing/"`, "no such file"}, isErr: fs.ErrNotExist},
		{name: "missing zip", uri: "gone.zip", want: []string{"Fn", `CodeUri "gone.zip"`, "no such file"}, isErr: fs.ErrNotExist},
		{name: "neither directory nor zip", uri: "notes.txt", want: []string{"Fn", `"notes.txt"`, "neither a directory nor a .zip"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Package(context.Background(), Function{LogicalID: "Fn", CodeURI: tc.uri, BaseDir: dir, Runtime: "nodejs20.x"})
			if err == nil {
				t.Fatal("Package succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.isErr != nil && !errors.Is(err, tc.isErr) {
				t.Errorf("error %q is not %v", err, tc.isErr)
			}
		})
	}
}

// needGo skips when no Go toolchain is on PATH (the builds shell out to
// it, as `gatehouse deploy` does).
func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("go not on PATH: %v", err)
	}
}

// goModule writes a module of its own (no dependencies, so no network)
// holding main.go.
func goModule(t *testing.T, main string) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"go.mod": "module example.com/fn\n\ngo 1.22\n", "main.go": main})
	return dir
}

// lambdaArchOfHost is Lambda's name for the machine's architecture.
func lambdaArchOfHost() string {
	if runtime.GOARCH == "amd64" {
		return "x86_64"
	}
	return runtime.GOARCH
}

func TestGoBuild(t *testing.T) {
	t.Parallel()
	needGo(t)
	dir := goModule(t, "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"built\") }\n")
	cases := []struct {
		name string
		f    Function
		exe  string
	}{
		{name: "provided with BuildMethod", exe: "bootstrap",
			f: Function{Runtime: "provided.al2023", Handler: "bootstrap", BuildMethod: "go1.x", Architectures: []string{lambdaArchOfHost()}}},
		// A main package for a provided runtime builds without Metadata.
		{name: "provided without BuildMethod", exe: "bootstrap", f: Function{Runtime: "provided.al2", Handler: "whatever"}},
		{name: "go1.x names the executable after the handler", exe: "hello", f: Function{Runtime: "go1.x", Handler: "hello"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			f.LogicalID, f.CodeURI = "Fn", dir
			names, files := readZip(t, pkg(t, f))
			if !slices.Equal(names, []string{tc.exe}) {
				t.Fatalf("entries %v, want only %s", names, tc.exe)
			}
			e := files[tc.exe]
			if e.mode.Perm() != 0o755 {
				t.Errorf("mode %v, want 0755", e.mode.Perm())
			}
			if !strings.HasPrefix(e.body, "\x7fELF") {
				t.Fatalf("%s is not an ELF executable", tc.exe)
			}
			if runtime.GOOS != "linux" {
				return
			}
			exe := filepath.Join(t.TempDir(), tc.exe)
			os.WriteFile(exe, []byte(e.body), 0o755)
			out, err := exec.Command(exe).Output()
			if err != nil || string(out) != "built" {
				t.Errorf("running the build: %q, %v", out, err)
			}
		})
	}
}

func TestGoBuildFailureShowsTheCompilerOutput(t *testing.T) {
	t.Parallel()
	needGo(t)
	dir := goModule(t, "package main\n\nfunc main() {\n\tnotDeclared()\n}\n")
	_, err := Package(context.Background(), Function{LogicalID: "Broken", CodeURI: dir, Runtime: "provided.al2023", Handler: "bootstrap", BuildMethod: "go1.x"})
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T), want a *BuildError", err, err)
	}
	if be.LogicalID != "Broken" || be.Dir != dir {
		t.Errorf("BuildError names %s in %s", be.LogicalID, be.Dir)
	}
	for _, want := range []string{"main.go:4:2", "undefined: notDeclared"} {
		if !strings.Contains(be.Output, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("compiler output %q not in the error %q", want, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "Broken: go build in "+dir+" failed") {
		t.Errorf("error %q does not say which function failed to build where", err)
	}
}

func TestArchitectures(t *testing.T) {
	t.Parallel()
	needGo(t)
	dir := goModule(t, "package main\n\nfunc main() {}\n")
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "x86_64"
	}
	cases := []struct {
		arch string
		want string // in the error; "" means it builds
	}{
		{arch: lambdaArchOfHost()},
		{arch: other, want: "Architectures " + other + " cannot run on this " + runtime.GOARCH + " host"},
		{arch: "sparc64", want: `Architectures "sparc64" is not x86_64 or arm64`},
	}
	for _, tc := range cases {
		t.Run(tc.arch, func(t *testing.T) {
			t.Parallel()
			_, err := Package(context.Background(), Function{LogicalID: "Fn", CodeURI: dir, Runtime: "provided.al2023",
				Handler: "bootstrap", BuildMethod: "go1.x", Architectures: []string{tc.arch}})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("the host's architecture: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "Fn: ")):
				t.Errorf("error %v, want one naming Fn and containing %q", err, tc.want)
			}
		})
	}
}

func TestPrebuiltBinaryIsUsedAsIs(t *testing.T) {
	t.Parallel()
	// main.go does not compile: a build attempt would fail the test.
	const broken = "package main\n\nfunc main() { this is not Go }\n"
	const binary = "\x7fELF pretend binary \x00\x01\x02"
	cases := []struct {
		name  string
		files map[string]string
		f     Function
		exe   string
	}{
		{name: "bootstrap for a provided runtime", exe: "bootstrap",
			files: map[string]string{"bootstrap*": binary, "main.go": broken},
			f:     Function{Runtime: "provided.al2023", Handler: "bootstrap"}},
		{name: "go1.x handler path", exe: "dist/open",
			files: map[string]string{"dist/open*": binary, "main.go": broken},
			f:     Function{Runtime: "go1.x", Handler: "./dist/open"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			f := tc.f
			f.LogicalID, f.CodeURI = "Fn", dir
			_, files := readZip(t, pkg(t, f))
			e, ok := files[tc.exe]
			if !ok || e.body != binary {
				t.Fatalf("%s not packaged as is: %v", tc.exe, files)
			}
			if e.mode.Perm() != 0o755 {
				t.Errorf("%s: mode %v, want 0755", tc.exe, e.mode.Perm())
			}
		})
	}
}
