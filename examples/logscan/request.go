package main

import "encoding/binary"

// This file is requestLine written out by hand. Each match step takes the
// line and the position where its part of the pattern starts, and returns
// the position after that part, or -1 if the part does not match there (or
// if it was handed -1). Every part of the pattern has one way to match, so
// no step ever needs to give back what it took:
//
//   - a run of a class of bytes (\d+, [0-9a-f]+, " +", \S*) is always
//     followed by a byte outside that class (a space, "m" or "r"), so the
//     run is the longest one;
//   - no word of an alternation is a prefix of another (INFO|WARN|ERROR,
//     GET|POST|PUT|DELETE);
//   - the pattern is anchored at the start only, so whatever follows
//     "ms" or the error code does not matter, and the optional
//     " err=(E\d{4})" is taken whenever it is there, as the regexp's
//     greedy "?" prefers.
//
// Go's \d is [0-9] and its \s is [\t\n\f\r ]; the regexp reads invalid
// UTF-8 one byte at a time as U+FFFD, which \S matches, and no byte of a
// multi-byte character is ASCII, so \S is "a byte other than those five"
// on any input.

// request is what requestLine captures of a request line that a Tally
// needs: the method, the path and the error code, nil if there is none.
// They are slices of the line.
type request struct{ method, path, code []byte }

// parseRequest reports whether line matches requestLine and returns what
// requestLine.FindSubmatch(line) captures as the method, the path and the
// error code.
func parseRequest(line []byte) (r request, ok bool) {
	i := matchTimestamp(line)
	i = matchLevel(line, i)
	i = matchLiteral(line, i, "req=")
	i = matchRun(line, i, hexDigit, 1)
	i = matchLiteral(line, i, " ")
	m := i
	i = matchMethod(line, i)
	p := matchLiteral(line, i, " ")
	i = matchLiteral(line, p, "/")
	i = matchRun(line, i, nonSpace, 0)
	path := i
	i = matchLiteral(line, i, " status=")
	i = matchLiteral(line, matchDigit(line, matchDigit(line, matchDigit(line, i))), " bytes=")
	i = matchLiteral(line, matchRun(line, i, digit, 1), " dur=")
	i = matchLiteral(line, matchRun(line, i, digit, 1), "ms")
	if i < 0 {
		return r, false
	}
	r.method, r.path = line[m:p-1], line[p:path]
	if e := matchLiteral(line, i, " err="); e >= 0 && matchErrorCode(line, e) >= 0 {
		r.code = line[e : e+5]
	}
	return r, true
}

// timestampShape is the timestamp that starts a request line and the space
// after it, with 0 standing for any digit.
const timestampShape = "0000-00-00T00:00:00.000Z "

// matchTimestamp matches timestampShape at the start of line. It checks
// the first 24 bytes as three words of 8 (see stampWord) and the space
// after them on its own.
func matchTimestamp(line []byte) int {
	if len(line) < len(timestampShape) || line[24] != ' ' {
		return -1
	}
	for w, s := range stampWords {
		if !s.matches(binary.LittleEndian.Uint64(line[8*w:])) {
			return -1
		}
	}
	return len(timestampShape)
}

// stampWord is 8 bytes of timestampShape: digits marks the bytes that are
// digits there, and literal holds the other bytes.
type stampWord struct{ digits, literal uint64 }

// matches reports whether the 8 bytes in x, little-endian, have the shape
// of w. A byte is a digit if its high nibble is 3 and adding 6 to it does
// not carry into the high nibble; no byte can carry into the next, as
// each is 0x3? before the addition.
func (w stampWord) matches(x uint64) bool {
	const high, six, three = 0xf0f0f0f0f0f0f0f0, 0x0606060606060606, 0x3030303030303030
	d := x & w.digits
	return x&^w.digits == w.literal && d&high == three&w.digits && (d+six&w.digits)&high == three&w.digits
}

// stampWords are the first 24 bytes of timestampShape as three words.
var stampWords = func() (ws [3]stampWord) {
	for i := 0; i < 24; i++ {
		w, shift := &ws[i/8], 8*(i%8)
		if timestampShape[i] == '0' {
			w.digits |= 0xff << shift
		} else {
			w.literal |= uint64(timestampShape[i]) << shift
		}
	}
	return ws
}()

// matchLevel matches (INFO|WARN|ERROR) + at i.
func matchLevel(line []byte, i int) int {
	if i < 0 || i >= len(line) {
		return -1
	}
	switch line[i] {
	case 'I':
		i = matchLiteral(line, i, "INFO ")
	case 'W':
		i = matchLiteral(line, i, "WARN ")
	default:
		i = matchLiteral(line, i, "ERROR ")
	}
	for i >= 0 && i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// matchMethod matches GET|POST|PUT|DELETE at i.
func matchMethod(line []byte, i int) int {
	if i < 0 || i >= len(line) {
		return -1
	}
	switch line[i] {
	case 'G':
		return matchLiteral(line, i, "GET")
	case 'P':
		if j := matchLiteral(line, i, "POST"); j >= 0 {
			return j
		}
		return matchLiteral(line, i, "PUT")
	}
	return matchLiteral(line, i, "DELETE")
}

// matchErrorCode matches E\d{4} at i.
func matchErrorCode(line []byte, i int) int {
	return matchDigit(line, matchDigit(line, matchDigit(line, matchDigit(line, matchLiteral(line, i, "E")))))
}

// matchLiteral matches s at i.
func matchLiteral(line []byte, i int, s string) int {
	if i < 0 || len(line)-i < len(s) || string(line[i:i+len(s)]) != s {
		return -1
	}
	return i + len(s)
}

// matchDigit matches \d at i.
func matchDigit(line []byte, i int) int {
	if i < 0 || i >= len(line) || class[line[i]]&digit == 0 {
		return -1
	}
	return i + 1
}

// matchRun matches the longest run at i of bytes of the classes in want,
// if it is at least least bytes long.
func matchRun(line []byte, i int, want uint8, least int) int {
	if i < 0 {
		return -1
	}
	j := i
	for j < len(line) && class[line[j]]&want != 0 {
		j++
	}
	if j-i < least {
		return -1
	}
	return j
}

// allDigits reports whether b holds ASCII digits only.
func allDigits(b []byte) bool {
	for _, c := range b {
		if class[c]&digit == 0 {
			return false
		}
	}
	return true
}

// The classes of bytes the pattern uses, as bits of class[b].
const (
	digit    uint8 = 1 << iota // \d: [0-9]
	hexDigit                   // [0-9a-f]
	nonSpace                   // \S: not one of [\t\n\f\r ]
)

// class holds the classes of each byte.
var class = func() (t [256]uint8) {
	for b := range t {
		switch {
		case '0' <= b && b <= '9':
			t[b] |= digit | hexDigit
		case 'a' <= b && b <= 'f':
			t[b] |= hexDigit
		}
		switch b {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			t[b] |= nonSpace
		}
	}
	return t
}()
