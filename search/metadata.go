package search

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Metadata is an entry's free-form JSON object. Its numbers are json.Number,
// never float64, so an id such as 9007199254740993 comes back as it was sent.
type Metadata map[string]any

// UnmarshalJSON decodes an object keeping numbers exact; Postgres hands jsonb
// to it through pgx, and ingest hands it the entry's raw metadata.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*m = v
	return nil
}

func parseMetadata(raw json.RawMessage) (Metadata, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return Metadata{}, ""
	}
	if len(raw) > maxMetadataBytes {
		return nil, fmt.Sprintf("is larger than %d bytes", maxMetadataBytes)
	}
	var m Metadata
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, "must be a JSON object"
	}
	return m, ""
}
