package template

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON is a fast path for templates written as JSON (CDK's output,
// for one), which the YAML library reads some ten times slower. It
// accepts strict JSON only and gives up (ok false) on anything else,
// including every error: the YAML path then reads the same text and
// reports the problem, so the two paths never disagree on a message.
// It yields the same values and positions the YAML path would.
func parseJSON(src []byte) (doc map[string]any, pos *posNode, ok bool) {
	p := &jsonParser{src: src, line: 1}
	p.space()
	if p.i >= len(p.src) || p.src[p.i] != '{' {
		return nil, nil, false
	}
	v, vp, ok := p.value(0)
	if !ok {
		return nil, nil, false
	}
	if p.space(); p.i != len(p.src) {
		return nil, nil, false
	}
	return v.(map[string]any), vp, true
}

type jsonParser struct {
	src    []byte
	i      int
	line   int
	bol    int // byte offset where the current line begins
	colAt  int // byte offset up to which colRun has counted
	colRun int // characters between bol and colAt
	values int
}

func (p *jsonParser) pos() Pos {
	// Columns count characters; counting from the last request keeps a
	// long single-line document linear.
	if p.colAt < p.bol {
		p.colAt, p.colRun = p.bol, 0
	}
	p.colRun += utf8.RuneCount(p.src[p.colAt:p.i])
	p.colAt = p.i
	return Pos{p.line, p.colRun + 1}
}

func (p *jsonParser) space() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t':
			p.i++
		case '\n':
			p.i++
			p.line, p.bol = p.line+1, p.i
		case '\r':
			// A lone CR breaks a line in YAML too.
			p.i++
			if p.i < len(p.src) && p.src[p.i] == '\n' {
				p.i++
			}
			p.line, p.bol = p.line+1, p.i
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, *posNode, bool) {
	if p.values++; p.values > maxValues || p.i >= len(p.src) {
		return nil, nil, false
	}
	at := p.pos()
	switch c := p.src[p.i]; {
	case c == '{':
		return p.object(depth, at)
	case c == '[':
		return p.array(depth, at)
	case c == '"':
		s, ok := p.str()
		return s, &posNode{pos: at}, ok
	case c == 't':
		return true, &posNode{pos: at}, p.literal("true")
	case c == 'f':
		return false, &posNode{pos: at}, p.literal("false")
	case c == 'n':
		return nil, &posNode{pos: at}, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.src) && isNumberByte(p.src[p.i]) {
			p.i++
		}
		text := string(p.src[start:p.i])
		if !jsonNumber(text) {
			return nil, nil, false
		}
		v, msg := number(text)
		return v, &posNode{pos: at}, msg == ""
	}
	return nil, nil, false
}

func (p *jsonParser) object(depth int, at Pos) (any, *posNode, bool) {
	if depth+1 > maxDepth {
		return nil, nil, false
	}
	p.i++
	m := map[string]any{}
	pn := &posNode{pos: at, keys: map[string]*posNode{}}
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return m, pn, true
	}
	for {
		if p.space(); p.i >= len(p.src) || p.src[p.i] != '"' {
			return nil, nil, false
		}
		keyAt := p.pos()
		k, ok := p.str()
		if !ok {
			return nil, nil, false
		}
		if _, dup := m[k]; dup {
			return nil, nil, false
		}
		if p.space(); p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, nil, false
		}
		p.i++
		p.space()
		v, vp, ok := p.value(depth + 1)
		if !ok {
			return nil, nil, false
		}
		if vp.keys != nil || vp.items != nil {
			vp.pos = keyAt // as the YAML path does
		}
		m[k], pn.keys[k] = v, vp
		if p.space(); p.i >= len(p.src) {
			return nil, nil, false
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, pn, true
		default:
			return nil, nil, false
		}
	}
}

func (p *jsonParser) array(depth int, at Pos) (any, *posNode, bool) {
	if depth+1 > maxDepth {
		return nil, nil, false
	}
	p.i++
	list := []any{}
	pn := &posNode{pos: at, items: []*posNode{}}
	p.space()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		return list, pn, true
	}
	for {
		p.space()
		v, vp, ok := p.value(depth + 1)
		if !ok {
			return nil, nil, false
		}
		list, pn.items = append(list, v), append(pn.items, vp)
		if p.space(); p.i >= len(p.src) {
			return nil, nil, false
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return list, pn, true
		default:
			return nil, nil, false
		}
	}
}

func (p *jsonParser) literal(word string) bool {
	if len(p.src)-p.i < len(word) || string(p.src[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// str reads a string. Anything the YAML path would read differently (a
// lone surrogate, a raw character YAML takes as a line break) gives up.
func (p *jsonParser) str() (string, bool) {
	p.i++
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '"':
			s := string(p.src[start:p.i])
			p.i++
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c >= 0x80:
			r, size := utf8.DecodeRune(p.src[p.i:])
			if r == 0x85 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError && size <= 1 {
				return "", false
			}
			p.i += size
		default:
			p.i++
		}
	}
	return "", false
}

func (p *jsonParser) escaped(start int) (string, bool) {
	buf := append([]byte(nil), p.src[start:p.i]...)
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), true
		case c < 0x20:
			return "", false
		case c >= 0x80:
			r, size := utf8.DecodeRune(p.src[p.i:])
			if r == 0x85 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError && size <= 1 {
				return "", false
			}
			buf = append(buf, p.src[p.i:p.i+size]...)
			p.i += size
		case c != '\\':
			buf = append(buf, c)
			p.i++
		default:
			if p.i+1 >= len(p.src) {
				return "", false
			}
			e := p.src[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					if p.i+1 >= len(p.src) || p.src[p.i] != '\\' || p.src[p.i+1] != 'u' {
						return "", false
					}
					p.i += 2
					lo, ok := p.hex4()
					if !ok {
						return "", false
					}
					if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
						return "", false
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", false
			}
		}
	}
	return "", false
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.src)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.src[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// jsonNumber matches JSON's number grammar exactly.
func jsonNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}
