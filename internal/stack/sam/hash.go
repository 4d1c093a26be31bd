package sam

import (
	"crypto/sha1" // the translator's choice for stable IDs, not a security use
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode"
)

// hashedID is aws-sam-translator's LogicalIdGenerator(prefix, data).gen()
// for string data: the prefix and the first ten hex digits of the data's
// SHA-1, or the bare prefix when there is no data. Matching it byte for
// byte keeps permission and stage IDs equal to the translator's when a
// stage name is not alphanumeric ("v1-beta").
func hashedID(prefix, data string) string {
	if data == "" {
		return prefix
	}
	return prefix + sha1Hex(data)[:10]
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// contentHash digests a value by its canonical JSON (encoding/json sorts
// map keys), so the same content always gives the same hash whatever order
// the maps were built in. The translator hashes Python's str() of the
// body, which cannot be reproduced outside Python; only the property that
// matters is kept: a change of content gives a new deployment ID.
func contentHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// NaN and infinities have no JSON form; fmt also prints maps in key
		// order, which is all a hash needs.
		b = []byte(fmt.Sprintf("%#v", v))
	}
	return sha1Hex(string(b))
}

func isLetterOrDigit(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r)
}
