package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	key, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "master.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal([]byte("secret"), []byte("ctx-a"))
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := b.Open(sealed, []byte("ctx-a"))
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("ctx-b")); err == nil {
		t.Fatal("opened with the wrong context")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed, []byte("ctx-a")); err == nil {
		t.Fatal("opened a tampered value")
	}
	if _, err := b.Open([]byte("x"), nil); err == nil {
		t.Fatal("opened garbage")
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "master.key")
	k1, err := LoadOrCreateKey(path, "")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path, "")
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("key not stable across loads")
	}
	os.WriteFile(path, []byte("garbage"), 0o600)
	if _, err := LoadOrCreateKey(path, ""); err == nil {
		t.Fatal("corrupt key file accepted")
	}
	if _, err := LoadOrCreateKey(path, "c2hvcnQ="); err == nil {
		t.Fatal("short key from env accepted")
	}
}
