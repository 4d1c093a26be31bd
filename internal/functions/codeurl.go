package functions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// codeURL is GetFunction's Code.Location: a link, valid ten minutes like
// Lambda's presigned S3 URL, that downloads the deployment package.
func (s *Service) codeURL(rec record) string {
	exp := s.now().Add(10 * time.Minute).Unix()
	return s.opts.Endpoint + "/_gatehouse/code/" + rec.Code + "?expires=" + strconv.FormatInt(exp, 10) + "&signature=" + s.codeSignature(rec.Code, exp)
}

func (s *Service) codeSignature(hash string, exp int64) string {
	m := hmac.New(sha256.New, s.opts.Box.Derive("code-url"))
	m.Write([]byte(hash + "\n" + strconv.FormatInt(exp, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// ServeCode serves /_gatehouse/code/{hash} for links made by codeURL.
func (s *Service) ServeCode(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	exp, err := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	sig := r.URL.Query().Get("signature")
	if err != nil || s.now().Unix() > exp || !hmac.Equal([]byte(sig), []byte(s.codeSignature(hash, exp))) {
		http.Error(w, "AccessDenied: the link is invalid or has expired", http.StatusForbidden)
		return
	}
	data, err := s.st.GetBlob(r.Context(), hash)
	if err != nil {
		http.Error(w, "NoSuchKey", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}
