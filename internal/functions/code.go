package functions

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

const (
	maxZipped   = 50 << 20    // direct upload limit
	maxUnzipped = 262_144_000 // Lambda's unzipped deployment package limit
	maxFiles    = 100_000
)

// pkg is a validated deployment package.
type pkg struct {
	zip    []byte
	hash   string // hex, the content address
	sha256 string // base64, as Lambda reports CodeSha256
}

// checkZip validates a deployment package without unpacking it.
func checkZip(data []byte) (pkg, error) {
	if len(data) == 0 {
		return pkg{}, invalidParameter("Uploaded file must be a non-empty zip")
	}
	if len(data) > maxZipped {
		return pkg{}, awsRequestTooLarge()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return pkg{}, invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.").Wrap(err)
	}
	if len(zr.File) > maxFiles {
		return pkg{}, invalidParameter("Too many files in the deployment package (more than %d).", maxFiles)
	}
	var total uint64
	for _, f := range zr.File {
		if _, err := safePath(f.Name); err != nil {
			return pkg{}, invalidParameter("Could not unzip uploaded file: %v", err)
		}
		total += f.UncompressedSize64
		if total > maxUnzipped {
			return pkg{}, invalidParameter("Unzipped size must be smaller than %d bytes", maxUnzipped)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return pkg{}, invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
		}
	}
	sum := sha256.Sum256(data)
	return pkg{zip: data, hash: hex.EncodeToString(sum[:]), sha256: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// safePath rejects names that would land outside the task root.
func safePath(name string) (string, error) {
	clean := filepath.Clean("/" + strings.ReplaceAll(name, "\\", "/"))
	if strings.Contains(name, "\x00") || strings.HasPrefix(name, "/") || strings.Contains("/"+strings.ReplaceAll(name, "\\", "/")+"/", "/../") {
		return "", fmt.Errorf("unsafe path %q in archive", name)
	}
	return clean[1:], nil
}

// codeCache unpacks packages by content hash under dir, fetching the zip
// from the store when this node has not seen it (so nodes sharing a
// database need not share a disk).
type codeCache struct {
	dir   string
	store store.Store
}

// path returns the unpacked task root for hash, unpacking it first if
// needed. Unpacking goes to a temporary directory renamed into place, so
// a crash never leaves a half-written task root behind.
func (c *codeCache) path(ctx context.Context, hash string) (string, error) {
	dst := filepath.Join(c.dir, hash)
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	data, err := c.store.GetBlob(ctx, hash)
	if err != nil {
		return "", fmt.Errorf("load code %s: %w", hash, err)
	}
	tmp, err := os.MkdirTemp(c.dir, hash+".tmp-")
	if err != nil {
		return "", err
	}
	if err := unzipTo(data, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", hash, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dst); statErr == nil {
			return dst, nil // another invocation unpacked it first
		}
		return "", err
	}
	return dst, nil
}

func unzipTo(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var written int64
	for _, f := range zr.File {
		rel, err := safePath(f.Name)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, rel)
		mode := f.Mode()
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		case mode&os.ModeSymlink != 0:
			// Links could point anywhere on the host; Lambda packages rarely
			// need them, so they are skipped rather than followed.
			continue
		case !mode.IsRegular() && mode.Type() != 0:
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		perm := os.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		n, err := extract(f, target, perm, maxUnzipped-written)
		if err != nil {
			return err
		}
		written += n
	}
	return nil
}

func extract(f *zip.File, target string, perm os.FileMode, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return 0, err
	}
	// The header's size can lie (zip bombs): count what actually comes out.
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > budget {
		err = errors.New("unzipped size exceeds the limit")
	}
	return n, err
}
