package uselite

import (
	"bufio"
	"crypto/sha256"
	_ "embed" // SHA256SUMS
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// fetchHint is appended to every error about missing or damaged model files.
const fetchHint = `run "make model" (or .ci/fetch-model)`

// permissionHint replaces fetchHint when the files are there but this user
// may not read them: fetching them again would not help.
const permissionHint = `the files exist but this user may not read them: make the folder ` +
	`and its files world-readable (chmod 0755 DIR; chmod 0644 DIR/*) or run as their owner`

// hintFor is what to do about err reading a model file.
func hintFor(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return permissionHint
	}
	return fetchHint
}

// ErrModelFiles reports that the model directory is missing a file or holds a
// file that does not match its checksum or expected shape. Load wraps it.
var ErrModelFiles = errors.New("use-lite model files missing or corrupt")

// checksums is the SHA-256 list of the model files, one "hex  name" a line.
//
//go:embed SHA256SUMS
var checksums string

// graphModel is the part of a TF.js model.json that Load reads.
type graphModel struct {
	WeightsManifest []struct {
		Paths   []string `json:"paths"`
		Weights []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			DType string `json:"dtype"`
		} `json:"weights"`
	} `json:"weightsManifest"`
}

// tensor is a named float32 weight with its shape.
type tensor struct {
	shape []int
	data  []float32
}

// checksum is one line of SHA256SUMS.
type checksum struct{ sum, name string }

// parseChecksums returns the lines of the embedded SHA256SUMS, in order.
func parseChecksums() ([]checksum, error) {
	var sums []checksum
	sc := bufio.NewScanner(strings.NewReader(checksums))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 {
			sums = append(sums, checksum{sum: f[0], name: f[1]})
		}
	}
	if len(sums) == 0 {
		return nil, errors.New("embedded SHA256SUMS is empty")
	}
	return sums, sc.Err()
}

// readVerified reads every file listed in SHA256SUMS from dir and checks its
// digest. It returns the contents by file name.
func readVerified(dir string) (map[string][]byte, error) {
	sums, err := parseChecksums()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%w: model directory: %w; %s", ErrModelFiles, err, hintFor(err))
	}
	files := make(map[string][]byte, len(sums))
	for _, c := range sums {
		path := filepath.Join(dir, c.name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w; %s", ErrModelFiles, err, hintFor(err))
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != c.sum {
			return nil, fmt.Errorf("%w: %s: checksum mismatch; %s", ErrModelFiles, path, fetchHint)
		}
		files[c.name] = b
	}
	return files, nil
}

// readTensors decodes model.json and its weight shards into float32 tensors
// by name. Non-float32 weights (shape constants) are skipped.
func readTensors(files map[string][]byte) (map[string]tensor, error) {
	var gm graphModel
	if err := json.Unmarshal(files["model.json"], &gm); err != nil {
		return nil, fmt.Errorf("%w: parse model.json: %w; %s", ErrModelFiles, err, fetchHint)
	}
	out := map[string]tensor{}
	for _, group := range gm.WeightsManifest {
		size := 0
		for _, p := range group.Paths {
			b, ok := files[p]
			if !ok {
				return nil, fmt.Errorf("%w: shard %s not in SHA256SUMS", ErrModelFiles, p)
			}
			size += len(b)
		}
		data := make([]byte, 0, size)
		for _, p := range group.Paths {
			data = append(data, files[p]...)
		}
		off := 0
		for _, w := range group.Weights {
			n := 1
			for _, s := range w.Shape {
				n *= s
			}
			if off+4*n > len(data) {
				return nil, fmt.Errorf("%w: weight %s runs past the shards; %s", ErrModelFiles, w.Name, fetchHint)
			}
			if w.DType == "float32" {
				out[w.Name] = tensor{shape: w.Shape, data: decodeFloat32(data[off : off+4*n])}
			}
			off += 4 * n
		}
	}
	return out, nil
}

// weightSet looks tensors up by name and checks their shapes, remembering
// the first failure so that callers can fetch many weights and check once.
type weightSet struct {
	byName map[string]tensor
	err    error
}

// get returns the tensor called name, which must have the given shape
// (leading 1s of a 1x1 convolution kernel are ignored).
func (w *weightSet) get(name string, shape ...int) []float32 {
	if w.err != nil {
		return nil
	}
	t, ok := w.byName[name]
	if !ok {
		w.err = fmt.Errorf("%w: weight %q not found in model.json; %s", ErrModelFiles, name, fetchHint)
		return nil
	}
	got := t.shape
	for len(got) > len(shape) && got[0] == 1 {
		got = got[1:]
	}
	if fmt.Sprint(got) != fmt.Sprint(shape) {
		w.err = fmt.Errorf("%w: weight %q has shape %v, want %v; %s", ErrModelFiles, name, t.shape, shape, fetchHint)
		return nil
	}
	return t.data
}

// decodeFloat32 converts little-endian IEEE-754 bytes to float32s.
func decodeFloat32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
