package search

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxLineBytes bounds one NDJSON line (one entry).
const maxLineBytes = 4 << 20

// ErrMalformed reports input that is not entries in a format EntryReader knows;
// the error is a *ReadError naming the line or item.
var ErrMalformed = errors.New("malformed entries")

// ReadError is a record EntryReader could not read: where, and why.
type ReadError struct {
	Line    int // 1-based line (NDJSON) or item number (JSON array)
	InArray bool
	Message string
	Err     error // the reader's own failure, if any (a body over its size limit)
}

func (e *ReadError) Error() string {
	if e.InArray {
		return fmt.Sprintf("item %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

func (e *ReadError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrMalformed}
	}
	return []error{ErrMalformed, e.Err}
}

// record is one entry as the file formats spell it: kapi's own fields, or a BEIR
// corpus line (_id, title, text, metadata).
type record struct {
	ExternalID *string          `json:"external_id"`
	BEIRID     *json.RawMessage `json:"_id"`
	Title      string           `json:"title"`
	Content    *string          `json:"content"`
	Text       *string          `json:"text"`
	Category   string           `json:"category"`
	Tags       []string         `json:"tags"`
	Confidence *float64         `json:"confidence"`
	SourceURL  string           `json:"source_url"`
	Metadata   json.RawMessage  `json:"metadata"`
}

// blankBEIR reports a BEIR corpus line with neither title nor text: a
// collection's placeholder (Cranfield has two), not an entry, so readers skip
// it rather than fail the file.
func (r record) blankBEIR() bool {
	return r.BEIRID != nil && r.ExternalID == nil && r.Content == nil && r.Title == "" &&
		(r.Text == nil || *r.Text == "")
}

func (r record) entry() NewEntry {
	e := NewEntry{Title: r.Title, Category: r.Category, Tags: r.Tags, Confidence: r.Confidence,
		SourceURL: r.SourceURL, Metadata: r.Metadata}
	switch {
	case r.ExternalID != nil:
		e.ExternalID = *r.ExternalID
	case r.BEIRID != nil:
		var s string
		if json.Unmarshal(*r.BEIRID, &s) != nil {
			s = string(*r.BEIRID) // BEIR ids are sometimes bare numbers
		}
		e.ExternalID = s
	}
	if r.Content != nil {
		e.Content = *r.Content
	} else if r.Text != nil {
		e.Content = *r.Text
	}
	return e
}

// EntryReader reads entries one at a time from a JSON array, NDJSON, or a BEIR
// corpus.jsonl, gzip-compressed or not (detected from the bytes).
type EntryReader struct {
	array   bool
	dec     *json.Decoder  // array mode
	lines   *bufio.Scanner // NDJSON mode
	n       int            // items or lines read
	started bool
	closed  bool // array mode: the closing ] was read
	skipped int  // blank BEIR lines passed over
}

// Skipped is how many BEIR corpus lines without title and text were passed
// over so far.
func (r *EntryReader) Skipped() int { return r.skipped }

// utf8BOM is the byte-order mark some editors put at the start of a UTF-8
// file; it is skipped.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// NewEntryReader detects the format of r (after a UTF-8 byte-order mark,
// which it skips). Errors: a *ReadError for input that
// is neither a JSON array nor JSON lines, or a broken gzip stream.
func NewEntryReader(r io.Reader) (*EntryReader, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ReadError{Line: 1, Message: "broken gzip stream: " + err.Error()}
		}
		br = bufio.NewReader(gz)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM)) // what Peek saw is buffered: cannot fail
	}
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	if first == '[' {
		return &EntryReader{array: true, dec: json.NewDecoder(br)}, nil
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	return &EntryReader{lines: sc}, nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return 0, &ReadError{Line: 1, Message: "no entries: the input is empty"}
		}
		if err != nil {
			return 0, &ReadError{Line: 1, Message: err.Error()}
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return b, br.UnreadByte()
		}
	}
}

// Next returns the next entry and its line (NDJSON) or item number (array).
// It returns io.EOF after the last one; anything but white space after a
// JSON array's closing ] is a *ReadError. Errors: a *ReadError (ErrMalformed).
func (r *EntryReader) Next() (NewEntry, int, error) {
	if r.array {
		return r.nextInArray()
	}
	for r.lines.Scan() {
		r.n++
		line := bytes.TrimSpace(r.lines.Bytes())
		if len(line) == 0 {
			continue
		}
		e, blank, err := decodeRecord(line)
		if err != nil {
			return NewEntry{}, r.n, &ReadError{Line: r.n, Message: lineProblem(line, err)}
		}
		if blank {
			r.skipped++
			continue
		}
		return e, r.n, nil
	}
	if err := r.lines.Err(); err != nil {
		msg := err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			msg = fmt.Sprintf("line longer than %d bytes", maxLineBytes)
		}
		return NewEntry{}, r.n + 1, &ReadError{Line: r.n + 1, Message: msg, Err: err}
	}
	return NewEntry{}, r.n, io.EOF
}

func (r *EntryReader) nextInArray() (NewEntry, int, error) {
	if !r.started {
		r.started = true
		if _, err := r.dec.Token(); err != nil { // the opening [
			return NewEntry{}, 1, &ReadError{Line: 1, InArray: true, Message: "not a JSON array"}
		}
	}
	if r.closed {
		return NewEntry{}, r.n, io.EOF
	}
	if !r.dec.More() {
		r.closed = true
		if _, err := r.dec.Token(); err != nil {
			return NewEntry{}, r.n + 1, &ReadError{Line: r.n + 1, InArray: true, Message: "the array is not closed"}
		}
		if _, err := r.dec.Token(); err != io.EOF {
			return NewEntry{}, r.n + 1, &ReadError{Line: r.n + 1, InArray: true, Message: "data after the closing ] of the array"}
		}
		return NewEntry{}, r.n, io.EOF
	}
	r.n++
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		return NewEntry{}, r.n, &ReadError{Line: r.n, InArray: true, Message: "invalid JSON: " + err.Error(), Err: err}
	}
	e, blank, err := decodeRecord(raw)
	if err != nil {
		return NewEntry{}, r.n, &ReadError{Line: r.n, InArray: true, Message: err.Error()}
	}
	if blank {
		r.skipped++
		return r.nextInArray()
	}
	return e, r.n, nil
}

// knownFields lists the record fields, for the message about an unknown one.
const knownFields = "external_id, title, content, category, tags, confidence, source_url, " +
	"metadata (or BEIR's _id, title, text, metadata)"

// decodeRecord decodes one entry; blank: a BEIR line to skip (blankBEIR). An
// unknown field is an error naming it: a misspelt field (say "body" for
// "content") would otherwise store an entry without it.
func decodeRecord(b []byte) (e NewEntry, blank bool, err error) {
	var rec record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		return NewEntry{}, false, recordProblem(err)
	}
	if dec.More() {
		return NewEntry{}, false, errors.New("invalid JSON: more than one value")
	}
	return rec.entry(), rec.blankBEIR(), nil
}

func recordProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Errorf("%s has the wrong type", typeErr.Field)
	}
	// encoding/json reports an unknown field only in its message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s (known fields: %s)", name, knownFields)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// lineProblem explains an NDJSON line that is not a record. A line that opens
// an object it never closes is most often a pretty-printed file, which NDJSON
// cannot be: say so rather than "invalid JSON".
func lineProblem(line []byte, err error) string {
	if line[0] == '{' && !json.Valid(line) && line[len(line)-1] != '}' {
		return "an NDJSON entry must be one JSON object on one line; for a pretty-printed " +
			"file, put the entries in a JSON array ([{...}, {...}])"
	}
	return err.Error()
}

// ReadBatch reads up to max entries from r with their line numbers; fewer at
// the end of the input (io.EOF is not an error here: an empty batch means done).
// Errors: a *ReadError (ErrMalformed).
func ReadBatch(r *EntryReader, max int) ([]NewEntry, []int, error) {
	var batch []NewEntry
	var lines []int
	for len(batch) < max {
		e, line, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		batch = append(batch, e)
		lines = append(lines, line)
	}
	return batch, lines, nil
}
