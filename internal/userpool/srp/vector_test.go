package srp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"
)

// knownAnswer is a full handshake with fixed randomness. Its x, u, key and
// signature were computed by amazon-cognito-identity-js 6.3.21
// (AuthenticationHelper with the fixed a, against this package's B); the
// interop test re-checks them whenever node is available.
var knownAnswer = struct {
	pool, user, password string
	salt, a, b           string // hex: 16-byte salt, client a (128 bytes), server b (32 bytes)
	secretBlock          string // base64
	timestamp            string
	x, u, key, signature string
}{
	pool:        "Vector01",
	user:        "vector-user",
	password:    "Vector Password 1!",
	salt:        "cdbcf94d462112f28660ea4e56bbc378",
	a:           "b318a9e0850a290620aa3b6e8a89b438b9782b4a165384d43dc16bfbf1116585f0ec4d7931ce420b88aa59d71ed79cc8217aae70a6facdbc024d1f58e60637368ba6bc1165a465a4cab90559bdbbe954b74f4fa1541903a9ade07b562331d5482c00e3c551ea01b473d4145ad497c73d006678e682b3ba772221988a387de0ce",
	b:           "e30d54fbc9030d00cacf36b43f734174dafb8440d11011ecfbb3938feea9fd18",
	secretBlock: "Ey5YqA007xx6TUKPQJVIM6W0D1PBUDcE1gcxwerPJFipsuQ1ebBpe5BcbQGUpZm0qj9HGBj+xWh/TewPu7NOow==",
	timestamp:   "Tue Mar 3 09:05:01 UTC 2020",
	x:           "a23e965d5c9da26c0292652d7454189190e0fb5eef5f99152442f404d2d99571",
	u:           "7636ecf2105eb764f213ae6eb0fb03bf8bdcfac26c151ccae0b438df77a63e26",
	key:         "c41a6712848c5def544a3b89fba7d686",
	signature:   "8deWSoSKGJ9tiW7W7z6JA+pxGZbQL0WK1v1wYeYuqxM=",
}

// TestKnownAnswer replays knownAnswer with the Go client and server.
func TestKnownAnswer(t *testing.T) {
	t.Parallel()
	v := knownAnswer
	salt, verifier, err := NewVerifier(bytes.NewReader(mustDecodeHex(t, v.salt)), v.pool, v.user, v.password)
	if err != nil {
		t.Fatal(err)
	}
	a := new(big.Int).SetBytes(mustDecodeHex(t, v.a))
	c := &Client{a: a, bigA: new(big.Int).Exp(groupG, a, groupN)}
	sess, params, err := Start(bytes.NewReader(mustDecodeHex(t, v.b)), c.A(), salt, verifier)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := c.Respond(v.pool, v.user, v.password, params.SRPB, params.Salt, v.secretBlock, v.timestamp)
	if err != nil {
		t.Fatal(err)
	}
	x := computeX(v.pool, v.user, v.password, new(big.Int).SetBytes(salt))
	got := fmt.Sprintf("x=%064x u=%s key=%s sig=%s", x, sess.u.Text(16), hex.EncodeToString(sess.key()), sig)
	want := fmt.Sprintf("x=%s u=%s key=%s sig=%s", v.x, v.u, v.key, v.signature)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	block, _ := base64.StdEncoding.DecodeString(v.secretBlock)
	if !sess.Verify(v.pool, v.user, block, v.timestamp, v.signature) {
		t.Error("vector signature does not verify")
	}
}
