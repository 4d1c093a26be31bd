package credentials

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnsureRoot makes sure a root key exists and that DIR/credentials and
// DIR/config let the aws CLI use it. The files are rewritten only when
// missing or when the key they name is gone from the store.
func (k *Keyring) EnsureRoot(ctx context.Context, dir, region string) (id string, err error) {
	credPath := filepath.Join(dir, "credentials")
	if id, secret, ok := ReadCredentialsFile(credPath); ok {
		if got, err := k.Lookup(ctx, id); err == nil && got == secret {
			return id, writeConfig(filepath.Join(dir, "config"), region)
		}
	}
	id, secret, err := k.Create(ctx, "root")
	if err != nil {
		return "", err
	}
	body := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", id, secret)
	if err := writePrivate(credPath, body); err != nil {
		return "", err
	}
	return id, writeConfig(filepath.Join(dir, "config"), region)
}

func writeConfig(path, region string) error {
	return writePrivate(path, fmt.Sprintf("[default]\nregion = %s\noutput = json\n", region))
}

func writePrivate(path, body string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadCredentialsFile reads the default profile of an AWS shared
// credentials file.
func ReadCredentialsFile(path string) (id, secret string, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", false
	}
	id, secret, _, err = ParseProfile(string(b), "default")
	return id, secret, err == nil
}

// ParseProfile extracts a profile's key pair and session token from the
// text of a shared credentials file.
func ParseProfile(text, profile string) (id, secret, token string, err error) {
	section := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			section = strings.TrimSpace(strings.TrimPrefix(line[1:len(line)-1], "profile "))
			continue
		}
		if section != profile {
			continue
		}
		k, v, found := strings.Cut(line, "=")
		if !found {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		case "aws_session_token":
			token = strings.TrimSpace(v)
		}
	}
	if id == "" || secret == "" {
		return "", "", "", errors.New("profile " + profile + " has no access key")
	}
	return id, secret, token, nil
}
