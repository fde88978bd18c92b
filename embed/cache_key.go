package embed

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// NormalizeQuery is the form of a query that is embedded and cached:
// Unicode NFC, leading and trailing whitespace removed, every internal run
// of whitespace collapsed to one space.
func NormalizeQuery(text string) string {
	return strings.Join(strings.Fields(norm.NFC.String(text)), " ")
}

// queryKey is the hex SHA-256 of the model name, its dimension, the task
// and the (already normalised) text, NUL-separated so that no two inputs
// share a key.
func queryKey(m Model, text string) string {
	h := sha256.New()
	for _, part := range []string{m.Name, strconv.Itoa(m.Dims), "query", text} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// encodeVector packs v as little-endian float32s, 4 bytes per element.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector unpacks encodeVector's bytes; ok is false unless b holds
// exactly dims elements.
func decodeVector(b []byte, dims int) (v []float32, ok bool) {
	if dims <= 0 || len(b) != 4*dims {
		return nil, false
	}
	v = make([]float32, dims)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, true
}
