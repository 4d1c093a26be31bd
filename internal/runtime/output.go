package runtime

import (
	"bytes"
	"os"
	"sync"
	"syscall"
)

// maxLine is the longest log record kept whole; CloudWatch Logs caps an
// event at 256 KB, so longer lines are split.
const maxLine = 256 * 1024

// drainBudget bounds how much one drain reads while holding the lock, so a
// function printing without pause cannot starve Sync.
const drainBudget = 1 << 20

// output reads an environment's merged stdout/stderr pipe and hands each
// line to emit. Sync lets the invoker collect every byte the process wrote
// before it posted its response: writes to a pipe complete before the
// write returns, so after Sync the log of an invocation is whole.
type output struct {
	mu      sync.Mutex
	r       *os.File
	fd      int
	partial []byte
	emit    func(line []byte)
	eof     bool
	buf     []byte
	done    chan struct{}
}

// newOutput creates the pipe; the caller passes w to the child and closes
// its own copy after the child has started.
func newOutput(emit func(line []byte)) (o *output, w *os.File, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	o = &output{r: r, emit: emit, buf: make([]byte, 64*1024), done: make(chan struct{})}
	rc, err := r.SyscallConn()
	if err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	rc.Control(func(fd uintptr) { o.fd = int(fd) })
	go o.loop(rc)
	return o, w, nil
}

func (o *output) loop(rc syscall.RawConn) {
	defer close(o.done)
	rc.Read(func(uintptr) bool {
		for {
			o.mu.Lock()
			more := o.drainLocked()
			eof := o.eof
			o.mu.Unlock()
			if eof {
				return true
			}
			if !more {
				return false // pipe empty: wait for the poller
			}
		}
	})
	o.mu.Lock()
	o.flushPartialLocked()
	o.mu.Unlock()
	o.r.Close()
}

// drainLocked reads until the pipe is empty, EOF, or the budget is spent;
// it reports whether data may remain.
func (o *output) drainLocked() (more bool) {
	if o.eof {
		return false
	}
	read := 0
	for read < drainBudget {
		n, err := syscall.Read(o.fd, o.buf)
		if n > 0 {
			read += n
			o.feedLocked(o.buf[:n])
			continue
		}
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return false
		}
		o.eof = true // n == 0 is EOF; any other error ends the stream too
		return false
	}
	return true
}

func (o *output) feedLocked(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			o.partial = append(o.partial, b...)
			for len(o.partial) >= maxLine {
				o.emit(o.partial[:maxLine])
				o.partial = append(o.partial[:0], o.partial[maxLine:]...)
			}
			return
		}
		line := b[:i]
		if len(o.partial) > 0 {
			o.partial = append(o.partial, line...)
			line = o.partial
		}
		for len(line) > maxLine {
			o.emit(line[:maxLine])
			line = line[maxLine:]
		}
		o.emit(bytes.TrimSuffix(line, []byte{'\r'}))
		o.partial = o.partial[:0]
		b = b[i+1:]
	}
}

func (o *output) flushPartialLocked() {
	if len(o.partial) > 0 {
		o.emit(o.partial)
		o.partial = o.partial[:0]
	}
}

// Sync hands over everything written to the pipe so far (up to the drain
// budget). A trailing line without a newline is emitted too, since the
// invocation it belongs to is ending.
func (o *output) Sync() {
	o.mu.Lock()
	o.drainLocked()
	o.flushPartialLocked()
	o.mu.Unlock()
}
