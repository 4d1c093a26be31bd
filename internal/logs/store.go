// Package logs keeps function logs per log group, the way CloudWatch Logs
// shows them (/aws/lambda/NAME), in size-capped files under the data dir,
// and serves them through the CloudWatch Logs API subset clients use.
package logs

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one log record.
type Event struct {
	Stream    string
	Timestamp time.Time
	Message   string
}

// Store writes and reads log groups.
type Store struct {
	dir     string
	maxSize int64

	mu     sync.Mutex
	groups map[string]*group
	stop   chan struct{}
	done   chan struct{}
}

type group struct {
	mu   sync.Mutex
	path string
	f    *os.File
	w    *bufio.Writer
	size int64
}

// Open returns a Store rooted at dir; files rotate at maxSize (one
// previous file is kept).
func Open(dir string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = 32 << 20
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, maxSize: maxSize, groups: map[string]*group{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.flusher()
	return s, nil
}

// fileName maps a group name to a file name that cannot escape dir.
func fileName(groupName string) string {
	var b strings.Builder
	for _, r := range groupName {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteString("%" + strconv.FormatInt(int64(r), 16) + "%")
		}
	}
	return b.String() + ".log"
}

func (s *Store) group(name string) (*group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[name]; g != nil {
		return g, nil
	}
	path := filepath.Join(s.dir, fileName(name))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	st, _ := f.Stat()
	g := &group{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10), size: st.Size()}
	s.groups[name] = g
	return g, nil
}

// Put appends one record to a group. Writes are buffered and flushed
// within a fraction of a second; logs are diagnostics, not acknowledged
// data.
func (s *Store) Put(groupName, stream string, t time.Time, msg []byte) {
	g, err := s.group(groupName)
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.f == nil {
		return
	}
	var head [32]byte
	line := strconv.AppendInt(head[:0], t.UnixMilli(), 10)
	line = append(line, '\t')
	n, _ := g.w.Write(line)
	m, _ := g.w.WriteString(stream)
	g.w.WriteByte('\t')
	k := writeEscaped(g.w, msg)
	g.w.WriteByte('\n')
	g.size += int64(n + m + k + 2)
	if g.size >= s.maxSize {
		g.rotate()
	}
}

// writeEscaped keeps one record on one line.
func writeEscaped(w *bufio.Writer, msg []byte) int {
	n := 0
	for len(msg) > 0 {
		i := bytes.IndexAny(msg, "\\\n")
		if i < 0 {
			k, _ := w.Write(msg)
			return n + k
		}
		k, _ := w.Write(msg[:i])
		n += k + 2
		if msg[i] == '\n' {
			w.WriteString(`\n`)
		} else {
			w.WriteString(`\\`)
		}
		msg = msg[i+1:]
	}
	return n
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (g *group) rotate() {
	g.w.Flush()
	g.f.Close()
	os.Rename(g.path, g.path+".1")
	f, err := os.OpenFile(g.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		g.f = nil
		return
	}
	g.f, g.size = f, 0
	g.w.Reset(f)
}

func (s *Store) flusher() {
	defer close(s.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.flushAll()
			return
		case <-t.C:
			s.flushAll()
		}
	}
}

func (s *Store) flushAll() {
	s.mu.Lock()
	gs := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		gs = append(gs, g)
	}
	s.mu.Unlock()
	for _, g := range gs {
		g.mu.Lock()
		if g.f != nil {
			g.w.Flush()
		}
		g.mu.Unlock()
	}
}

// Close flushes and closes every file.
func (s *Store) Close() error {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		g.mu.Lock()
		if g.f != nil {
			g.w.Flush()
			g.f.Close()
			g.f = nil
		}
		g.mu.Unlock()
	}
	return nil
}

// Groups lists the log groups that have files, sorted.
func (s *Store) Groups() ([]string, error) {
	s.flushAll()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".log") {
			continue
		}
		out = append(out, decodeName(strings.TrimSuffix(n, ".log")))
	}
	return out, nil
}

func decodeName(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if n[i] == '%' {
			if j := strings.IndexByte(n[i+1:], '%'); j >= 0 {
				if r, err := strconv.ParseInt(n[i+1:i+1+j], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += j + 1
					continue
				}
			}
		}
		b.WriteByte(n[i])
	}
	return b.String()
}

// ErrNoGroup is returned for a log group with no records.
var ErrNoGroup = errors.New("log group does not exist")

// Read returns up to limit events of a group with start <= timestamp <
// end (zero end: no bound), skipping the first skip matches, oldest first.
// It also reports whether more matched.
func (s *Store) Read(groupName string, start, end time.Time, contains string, skip, limit int) ([]Event, bool, error) {
	s.flushAll()
	path := filepath.Join(s.dir, fileName(groupName))
	var out []Event
	found := false
	more := false
	for _, p := range []string{path + ".1", path} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		found = true
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			ts, rest, ok := strings.Cut(sc.Text(), "\t")
			if !ok {
				continue
			}
			stream, msg, ok := strings.Cut(rest, "\t")
			if !ok {
				continue
			}
			ms, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				continue
			}
			t := time.UnixMilli(ms)
			if t.Before(start) || (!end.IsZero() && !t.Before(end)) {
				continue
			}
			msg = unescape(msg)
			if contains != "" && !strings.Contains(msg, contains) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if limit > 0 && len(out) >= limit {
				more = true
				break
			}
			out = append(out, Event{Stream: stream, Timestamp: t, Message: msg})
		}
		f.Close()
		if more {
			break
		}
	}
	if !found {
		return nil, false, ErrNoGroup
	}
	return out, more, nil
}
