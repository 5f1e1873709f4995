package vulndb

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// On-disk files of one ecosystem directory, beside all.zip.
const (
	recordsFile = "records.jsonl" // one trimmed OSV record per line
	indexFile   = "index.bin"     // sorted normalised names → record offsets
	metaFile    = "meta.json"
	zipFile     = "all.zip"
)

// indexMagic starts index.bin; the digit is the format version, bumped
// whenever the layout changes so that an old cache is rebuilt, not misread.
var indexMagic = []byte("WDNIDX01")

// Index layout, little-endian:
//
//	magic [8]byte
//	nNames, nPostings, poolLen uint32
//	names    [nNames]  {poolOff, nameLen, firstPosting, nPostings uint32}
//	postings [nPostings]{recOff uint64, recLen uint32}
//	pool     [poolLen]byte   (the names, concatenated, in sorted order)
//
// A lookup is a binary search over the fixed-width name table, comparing
// against the pool in place: nothing is decoded until a name matches.
const (
	headerLen  = 8 + 12
	nameLen    = 16
	postingLen = 12
)

type posting struct {
	off uint64
	n   uint32
}

// builder writes records.jsonl and collects the postings for index.bin.
type builder struct {
	eco       string
	dir       string
	f         *os.File
	w         *bufio.Writer
	off       uint64
	names     map[string][]posting
	seen      map[string]bool
	records   int
	withdrawn int
}

func newBuilder(eco, dir string) (*builder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.Create(filepath.Join(dir, recordsFile))
	if err != nil {
		return nil, fmt.Errorf("create records: %w", err)
	}
	return &builder{eco: eco, dir: dir, f: f, w: bufio.NewWriterSize(f, 1<<20), names: map[string][]posting{}, seen: map[string]bool{}}, nil
}

// add stores the parts of r that concern this ecosystem. Withdrawn records
// are counted and left out: they must never match.
func (b *builder) add(r *Record) error {
	if b.seen[r.ID] {
		return nil // the same record twice in an import: keep the first
	}
	var aff []Affected
	names := map[string]bool{}
	for _, a := range r.Affected {
		if ecoBase(a.Package.Ecosystem) != b.eco || a.Package.Name == "" {
			continue
		}
		aff = append(aff, a)
		names[NormalizeName(b.eco, a.Package.Name)] = true
	}
	if len(aff) == 0 {
		return nil
	}
	b.seen[r.ID] = true
	if r.Withdrawn != "" {
		b.withdrawn++
		return nil
	}
	t := *r
	t.Affected = aff
	t.Details = "" // long prose; the summary and the link are enough
	var refs []Reference
	for _, ref := range r.References {
		if ref.Type == "ADVISORY" {
			refs = append(refs, ref)
		}
	}
	t.References = refs
	data, err := json.Marshal(&t)
	if err != nil {
		return fmt.Errorf("encode %s: %w", r.ID, err)
	}
	data = append(data, '\n')
	if _, err := b.w.Write(data); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	p := posting{off: b.off, n: uint32(len(data) - 1)}
	b.off += uint64(len(data))
	for n := range names {
		b.names[n] = append(b.names[n], p)
	}
	b.records++
	return nil
}

// finish flushes the records and writes the index.
func (b *builder) finish() error {
	if err := b.w.Flush(); err != nil {
		b.f.Close()
		return fmt.Errorf("write records: %w", err)
	}
	if err := b.f.Close(); err != nil {
		return fmt.Errorf("close records: %w", err)
	}
	names := make([]string, 0, len(b.names))
	for n := range b.names {
		names = append(names, n)
	}
	sort.Strings(names)
	var table, posts, pool bytes.Buffer
	var nPost uint32
	for _, n := range names {
		ps := b.names[n]
		var e [nameLen]byte
		binary.LittleEndian.PutUint32(e[0:], uint32(pool.Len()))
		binary.LittleEndian.PutUint32(e[4:], uint32(len(n)))
		binary.LittleEndian.PutUint32(e[8:], nPost)
		binary.LittleEndian.PutUint32(e[12:], uint32(len(ps)))
		table.Write(e[:])
		pool.WriteString(n)
		for _, p := range ps {
			var q [postingLen]byte
			binary.LittleEndian.PutUint64(q[0:], p.off)
			binary.LittleEndian.PutUint32(q[8:], p.n)
			posts.Write(q[:])
			nPost++
		}
	}
	var hdr [headerLen]byte
	copy(hdr[:], indexMagic)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(names)))
	binary.LittleEndian.PutUint32(hdr[12:], nPost)
	binary.LittleEndian.PutUint32(hdr[16:], uint32(pool.Len()))
	out := make([]byte, 0, headerLen+table.Len()+posts.Len()+pool.Len())
	out = append(out, hdr[:]...)
	out = append(out, table.Bytes()...)
	out = append(out, posts.Bytes()...)
	out = append(out, pool.Bytes()...)
	if err := os.WriteFile(filepath.Join(b.dir, indexFile), out, 0o644); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// index is a mapped index.bin plus its mapped records.
type index struct {
	idx, recs        []byte
	nNames, nPost    int
	names, posts     []byte
	pool             []byte
	unmapIdx, unmapR func() error
}

var errBadIndex = errors.New("index is corrupt or of another format version; run `warden db update` or `warden db import` again")

func openIndex(dir string) (*index, error) {
	idx, unmapIdx, err := mapFile(filepath.Join(dir, indexFile))
	if err != nil {
		return nil, err
	}
	recs, unmapR, err := mapFile(filepath.Join(dir, recordsFile))
	if err != nil {
		unmapIdx()
		return nil, err
	}
	ix := &index{idx: idx, recs: recs, unmapIdx: unmapIdx, unmapR: unmapR}
	if len(idx) < headerLen || !bytes.Equal(idx[:8], indexMagic) {
		ix.close()
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, indexFile), errBadIndex)
	}
	ix.nNames = int(binary.LittleEndian.Uint32(idx[8:]))
	ix.nPost = int(binary.LittleEndian.Uint32(idx[12:]))
	poolLen := int(binary.LittleEndian.Uint32(idx[16:]))
	end := headerLen + ix.nNames*nameLen + ix.nPost*postingLen + poolLen
	if ix.nNames < 0 || ix.nPost < 0 || end != len(idx) {
		ix.close()
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, indexFile), errBadIndex)
	}
	ix.names = idx[headerLen : headerLen+ix.nNames*nameLen]
	ix.posts = idx[headerLen+ix.nNames*nameLen : headerLen+ix.nNames*nameLen+ix.nPost*postingLen]
	ix.pool = idx[end-poolLen:]
	return ix, nil
}

func (ix *index) close() error {
	err := ix.unmapIdx()
	if e := ix.unmapR(); err == nil {
		err = e
	}
	return err
}

func (ix *index) name(i int) []byte {
	e := ix.names[i*nameLen:]
	off := binary.LittleEndian.Uint32(e[0:])
	n := binary.LittleEndian.Uint32(e[4:])
	if uint64(off)+uint64(n) > uint64(len(ix.pool)) {
		return nil
	}
	return ix.pool[off : off+n]
}

// lookup returns the raw records filed under the normalised name.
func (ix *index) lookup(name string) ([][]byte, error) {
	key := []byte(name)
	i := sort.Search(ix.nNames, func(i int) bool { return bytes.Compare(ix.name(i), key) >= 0 })
	if i >= ix.nNames || !bytes.Equal(ix.name(i), key) {
		return nil, nil
	}
	e := ix.names[i*nameLen:]
	first := int(binary.LittleEndian.Uint32(e[8:]))
	n := int(binary.LittleEndian.Uint32(e[12:]))
	if first < 0 || n < 0 || first+n > ix.nPost {
		return nil, errBadIndex
	}
	out := make([][]byte, 0, n)
	for k := first; k < first+n; k++ {
		p := ix.posts[k*postingLen:]
		off := binary.LittleEndian.Uint64(p[0:])
		ln := uint64(binary.LittleEndian.Uint32(p[8:]))
		if off+ln > uint64(len(ix.recs)) {
			return nil, errBadIndex
		}
		out = append(out, ix.recs[off:off+ln])
	}
	return out, nil
}
