// Package artifact packages a template's function code on the deploying
// machine: directories zipped, zips read, Go packages built for the host.
package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Function is what packaging needs to know about one function.
type Function struct {
	LogicalID string
	// CodeURI as written in the template, relative to BaseDir.
	CodeURI string
	BaseDir string
	Runtime string
	Handler string
	// BuildMethod is Metadata.BuildMethod ("go1.x" builds with Go).
	BuildMethod   string
	Architectures []string
	// Location is where the template names the code
	// ("template.yaml:31:16"), for errors.
	Location string
}

// BuildError is a failed Go build, with the compiler's output.
type BuildError struct {
	LogicalID, Dir string
	Output         string
	Err            error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("%s: go build in %s failed: %v\n%s", e.LogicalID, e.Dir, e.Err, strings.TrimSpace(e.Output))
}

// MaxZip is Lambda's limit on an uploaded package.
const MaxZip = 50 << 20

// Package returns the function's code as a zip. Zips are deterministic
// (sorted names, fixed times), so unchanged code packages to the same
// bytes and a redeploy leaves the function alone.
func Package(ctx context.Context, f Function) ([]byte, error) {
	path := f.CodeURI
	if !filepath.IsAbs(path) {
		path = filepath.Join(f.BaseDir, path)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: CodeUri %q: %w", f.LogicalID, f.CodeURI, errors.Unwrap(err))
	}
	if !info.IsDir() {
		if !strings.HasSuffix(strings.ToLower(path), ".zip") {
			return nil, fmt.Errorf("%s: CodeUri %q is neither a directory nor a .zip file", f.LogicalID, f.CodeURI)
		}
		if info.Size() > MaxZip {
			return nil, fmt.Errorf("%s: CodeUri %q is %d bytes; Lambda takes at most %d", f.LogicalID, f.CodeURI, info.Size(), MaxZip)
		}
		return os.ReadFile(path)
	}
	if f.needsGoBuild(path) {
		return buildGo(ctx, f, path)
	}
	return zipDir(path)
}

// needsGoBuild: Metadata BuildMethod go1.x, or a Go main package for a
// Go runtime with no prebuilt executable where the handler points.
func (f Function) needsGoBuild(dir string) bool {
	if f.BuildMethod == "go1.x" {
		return true
	}
	if f.Runtime != "go1.x" && !strings.HasPrefix(f.Runtime, "provided") {
		return false
	}
	exe := f.Handler
	if strings.HasPrefix(f.Runtime, "provided") {
		exe = "bootstrap"
	}
	if exe != "" {
		if st, err := os.Stat(filepath.Join(dir, exe)); err == nil && !st.IsDir() {
			return false // prebuilt, used as is
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(matches) > 0
}

// goArch maps Lambda's architecture names to GOARCH.
func goArch(arch string) (string, bool) {
	switch arch {
	case "x86_64":
		return "amd64", true
	case "arm64":
		return "arm64", true
	}
	return "", false
}

func buildGo(ctx context.Context, f Function, dir string) ([]byte, error) {
	arch := runtime.GOARCH
	if len(f.Architectures) > 0 {
		want, ok := goArch(f.Architectures[0])
		if !ok {
			return nil, fmt.Errorf("%s: Architectures %q is not x86_64 or arm64", f.LogicalID, f.Architectures[0])
		}
		if want != runtime.GOARCH {
			return nil, fmt.Errorf("%s: Architectures %s cannot run on this %s host; gatehouse runs functions natively (use %s)",
				f.LogicalID, f.Architectures[0], runtime.GOARCH, lambdaArch(runtime.GOARCH))
		}
	}
	exe := "bootstrap"
	if f.Runtime == "go1.x" && f.Handler != "" {
		exe = filepath.Base(f.Handler)
	}
	out, cleanup, err := buildDir(dir, arch, exe)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", filepath.Join(out, exe), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return nil, &BuildError{LogicalID: f.LogicalID, Dir: dir, Output: buf.String(), Err: err}
	}
	return zipDir(out)
}

// buildDir is where a function's binary is built: a directory of the
// user's cache kept per package, architecture and executable name, so
// that go build finds its last output up to date and skips the link (a
// redeploy with that function unchanged then costs ~0.1 s, not ~1 s).
// Without a cache directory it is a temporary one.
func buildDir(pkgDir, arch, exe string) (string, func(), error) {
	if cache, err := os.UserCacheDir(); err == nil {
		abs, _ := filepath.Abs(pkgDir)
		sum := sha256.Sum256([]byte(abs + "\x00" + arch + "\x00" + exe))
		dir := filepath.Join(cache, "gatehouse", "go-build", hex.EncodeToString(sum[:8]))
		if err := os.MkdirAll(dir, 0o755); err == nil {
			return dir, func() {}, nil
		}
	}
	dir, err := os.MkdirTemp("", "gatehouse-build-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func lambdaArch(goarch string) string {
	if goarch == "amd64" {
		return "x86_64"
	}
	return goarch
}

// fixedTime is every zip entry's modification time, so that packages
// depend only on content.
var fixedTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// zipDir zips a directory's regular files (symlinks followed within it),
// skipping version control and gatehouse data directories.
func zipDir(dir string) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".gatehouse", ".aws-sam", "node_modules/.cache":
				if p != dir {
					return filepath.SkipDir
				}
			}
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	total := int64(0)
	for _, p := range files {
		info, err := os.Stat(p)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		rel, _ := filepath.Rel(dir, p)
		h := &zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: fixedTime}
		// Keep the executable bit (bootstrap, binaries); normalize the rest.
		mode := fs.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		fh, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		n, err := io.Copy(w, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		if total += n; total > 250<<20 {
			return nil, fmt.Errorf("code in %s is over Lambda's 250 MB unzipped limit", dir)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > MaxZip {
		return nil, fmt.Errorf("the package of %s is %d bytes zipped; Lambda takes at most %d", dir, buf.Len(), MaxZip)
	}
	return buf.Bytes(), nil
}
