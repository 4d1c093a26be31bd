package tokens

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

var b64 = base64.RawURLEncoding

// Sign produces a compact JWS (a JWT) signed with RS256 by key. The header
// is exactly {"kid":"…","alg":"RS256"}, Cognito's fields in Cognito's order.
// claims is anything encoding/json turns into an object (map[string]any or
// a struct); give iat, exp and auth_time as integers (IDClaims and
// AccessClaims do). A retired key does not sign.
func Sign(key *Key, claims any) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if !key.Retired.IsZero() {
		return "", fmt.Errorf("tokens: key %s is retired", key.Kid)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(claims); err != nil {
		return "", fmt.Errorf("tokens: encoding claims: %w", err)
	}
	payload := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(payload) == 0 || payload[0] != '{' {
		return "", errors.New("tokens: claims must encode to a JSON object")
	}
	kid, err := json.Marshal(key.Kid)
	if err != nil {
		return "", err
	}
	header := `{"kid":` + string(kid) + `,"alg":"RS256"}`
	return signRaw(key.Private, []byte(header), payload)
}

// signRaw signs already-encoded header and payload JSON.
func signRaw(priv *rsa.PrivateKey, header, payload []byte) (string, error) {
	hl, pl := b64.EncodedLen(len(header)), b64.EncodedLen(len(payload))
	sl := b64.EncodedLen(priv.Size())
	out := make([]byte, hl+1+pl+1+sl)
	b64.Encode(out, header)
	out[hl] = '.'
	b64.Encode(out[hl+1:], payload)
	digest := sha256.Sum256(out[:hl+1+pl])
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("tokens: signing: %w", err)
	}
	out[hl+1+pl] = '.'
	b64.Encode(out[hl+1+pl+1:], sig)
	return string(out), nil
}
