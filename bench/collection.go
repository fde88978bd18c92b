package bench

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Doc is one document of a BEIR-format collection.
type Doc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Collection is a BEIR-format test collection: documents, queries and graded
// relevance judgements (qrels[query id][doc id] = grade).
type Collection struct {
	Docs    []Doc
	Queries map[string]string
	Qrels   map[string]map[string]int
}

// LoadBEIR reads dir/corpus.jsonl.gz (or dir/corpus.jsonl), dir/queries.jsonl
// and dir/qrels/<split>.tsv. Errors: file and parse errors, naming the file.
func LoadBEIR(dir, split string) (*Collection, error) {
	c := &Collection{Queries: map[string]string{}, Qrels: map[string]map[string]int{}}
	err := readJSONL(corpusPath(dir), func(line []byte) error {
		var d Doc
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		c.Docs = append(c.Docs, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readJSONL(filepath.Join(dir, "queries.jsonl"), func(line []byte) error {
		var q Doc
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		c.Queries[q.ID] = q.Text
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, readQrels(filepath.Join(dir, "qrels", split+".tsv"), c.Qrels)
}

// corpusPath is dir's gzipped corpus when there is one, else the plain one.
func corpusPath(dir string) string {
	gz := filepath.Join(dir, "corpus.jsonl.gz")
	if _, err := os.Stat(gz); err == nil {
		return gz
	}
	return filepath.Join(dir, "corpus.jsonl")
}

// Checksum is the hex SHA-256 of the collection files LoadBEIR reads, in
// order (corpus, queries, qrels/<split>.tsv), each preceded by its base name,
// so two runs can prove they scored the same data. Errors: file errors.
func Checksum(dir, split string) (string, error) {
	h := sha256.New()
	for _, path := range []string{corpusPath(dir), filepath.Join(dir, "queries.jsonl"), filepath.Join(dir, "qrels", split+".tsv")} {
		if err := hashFile(h, path); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(w, "%s\n", filepath.Base(path))
	_, err = io.Copy(w, f)
	return err
}

// TestQueries lists the ids of the judged queries, in numeric order.
func (c *Collection) TestQueries() []string {
	ids := make([]string, 0, len(c.Qrels))
	for id := range c.Qrels {
		if _, ok := c.Queries[id]; ok {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	return ids
}

// sortIDs sorts ids numerically, falling back to text order for non-numbers.
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		x, errA := strconv.Atoi(a)
		y, errB := strconv.Atoi(b)
		if errA == nil && errB == nil {
			return cmp.Compare(x, y)
		}
		return strings.Compare(a, b)
	})
}

func readJSONL(path string, each func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if err := each(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

func readQrels(path string, into map[string]map[string]int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 || n == 1 && fields[0] == "query-id" {
			continue
		}
		grade, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if into[fields[0]] == nil {
			into[fields[0]] = map[string]int{}
		}
		into[fields[0]][fields[1]] = grade
	}
	return sc.Err()
}
