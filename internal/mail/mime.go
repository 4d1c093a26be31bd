package mail

import (
	"bytes"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// buildEmail renders d as an RFC 5322 message with CRLF line ends. The
// body is quoted-printable, so any UTF-8 text (and any line length) goes
// through 7-bit servers unchanged.
func buildEmail(d delivery) ([]byte, error) {
	from, err := ParseAddress(d.From)
	if err != nil {
		return nil, fmt.Errorf("From: %w", err)
	}
	to, err := ParseAddress(d.To)
	if err != nil {
		return nil, fmt.Errorf("To: %w", err)
	}
	// The headers below come from validated fields, but this is where a
	// line break would become an injected header: check again.
	if err := headerSafe("Subject", d.Subject); err != nil {
		return nil, err
	}
	ctype := "text/plain"
	if d.HTML {
		ctype = "text/html"
	}
	var b bytes.Buffer
	b.Grow(len(d.Body) + len(d.Body)/8 + 512)
	for _, h := range [][2]string{
		{"Date", d.Time.Format(time.RFC1123Z)},
		{"Message-ID", "<" + d.ID + "@" + messageIDDomain(from.Address) + ">"},
		{"From", from.String()},
		{"To", to.String()},
		{"Subject", encodeHeader(d.Subject)},
		{"MIME-Version", "1.0"},
		{"Content-Type", ctype + "; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		// RFC 3834: no vacation replies to a verification code.
		{"Auto-Submitted", "auto-generated"},
	} {
		b.WriteString(h[0])
		b.WriteString(": ")
		b.WriteString(h[1])
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(d.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// encodeHeader encodes non-ASCII text as RFC 2047 encoded words, folded
// between words so no header line nears the 998-byte limit.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("UTF-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// messageIDDomain is the right side of a Message-ID: the sender's domain,
// as mail servers expect, or a fixed name when that is not plain ASCII.
func messageIDDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	domain := addr[at+1:]
	for _, r := range domain {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "gatehouse.invalid"
		}
	}
	if domain == "" {
		return "gatehouse.invalid"
	}
	return domain
}
