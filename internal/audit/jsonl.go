package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Line is one JSON line of the stdout sink: Kind "record" with the Record
// fields inline, or Kind "checkpoint" with Checkpoint set. One flat object per
// request is what log shippers index best.
type Line struct {
	Kind string `json:"kind"`
	*Record
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// jsonlBackend writes JSON lines. Each process starts a new chain segment at
// seq 1, since it cannot read back what it wrote to a pipe; VerifyJSONL
// treats every seq-1 record with the zero prev_hash as the start of a
// segment.
type jsonlBackend struct {
	w   io.Writer
	buf bytes.Buffer
}

func newJSONLBackend(w io.Writer) *jsonlBackend { return &jsonlBackend{w: w} }

func (b *jsonlBackend) head() (int64, string, int64, error) { return 0, zeroHash, 0, nil }

// append writes the whole batch with one Write, so a batch is not
// interleaved with other writers of the same stream line by line.
func (b *jsonlBackend) append(recs []Record, cp *Checkpoint) error {
	b.buf.Reset()
	enc := json.NewEncoder(&b.buf)
	for i := range recs {
		if err := enc.Encode(Line{Kind: "record", Record: &recs[i]}); err != nil {
			return fmt.Errorf("encode record: %w", err)
		}
	}
	if cp != nil {
		if err := enc.Encode(Line{Kind: "checkpoint", Checkpoint: cp}); err != nil {
			return fmt.Errorf("encode checkpoint: %w", err)
		}
	}
	if _, err := b.w.Write(b.buf.Bytes()); err != nil {
		return fmt.Errorf("write audit lines: %w", err)
	}
	return nil
}

func (b *jsonlBackend) close() error { return nil }
