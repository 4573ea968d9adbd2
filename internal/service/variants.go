package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/variants"
)

// Variants answers one page of the job's per-variant table (one row per CSQ
// entry) for the viewer, with the rules of JobFileKey: the job completed and
// its result is neither archived nor being restored.
func (s *Service) Variants(ctx context.Context, viewer domain.Profile, jobID string, q variants.Query) (variants.Page, domain.Job, error) {
	ix, j, release, err := s.variantIndex(ctx, viewer, jobID)
	if err != nil {
		return variants.Page{}, j, err
	}
	defer release()
	page, err := ix.Query(q)
	if errors.Is(err, domain.ErrInvalid) {
		err = domain.ForUser(err)
	}
	return page, j, err
}

// ExportVariants writes every row matching q's filters as TSV (header
// variants.TSVHeader), in q's sort order (variants.Index.Export: a sorted
// export of more than variants.MaxSortedRows rows is an error, before any
// row but after the header).
func (s *Service) ExportVariants(ctx context.Context, viewer domain.Profile, jobID string, q variants.Query, w io.Writer) (domain.Job, error) {
	ix, j, release, err := s.variantIndex(ctx, viewer, jobID)
	if err != nil {
		return j, err
	}
	defer release()
	if _, err := io.WriteString(w, variants.TSVHeader); err != nil {
		return j, err
	}
	var buf []byte
	return j, ix.Export(q, func(r variants.Row) error {
		buf = r.AppendTSV(buf[:0])
		_, err := w.Write(buf)
		return err
	})
}

func (s *Service) variantIndex(ctx context.Context, viewer domain.Profile, jobID string) (*variants.Index, domain.Job, func(), error) {
	key, j, err := s.JobFileKey(ctx, viewer, jobID, FileResult)
	if err != nil {
		return nil, j, nil, err
	}
	ix, release, err := s.indexes.open(ctx, s.ports.Blobs, key)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, j, nil, domain.UserErrorf(domain.ErrNotFound, "job %s was annotated before the variant table existed; re-run it to get one", j.ID)
	}
	if errors.Is(err, variants.ErrOldIndex) {
		return nil, j, nil, domain.UserErrorf(domain.ErrNotFound, "job %s's variant table was built by an older version of GAS; re-run the job to get one", j.ID)
	}
	if err != nil {
		return nil, j, nil, fmt.Errorf("variant index of job %s: %w", j.ID, err)
	}
	return ix, j, release, nil
}

// indexCache keeps recently used variant indexes open with their results,
// at most max of them and maxFiles open files in all (a joined index or
// result in the directory store is one file per shard): a query reads a
// few blocks of the index and of the result (the rows' text). An index is
// read from the blob store once: the directory store's files are used in
// place, any other store's object is copied to an unlinked temporary file.
// A result is read where it is: in place, or by ranged reads (S3); only a
// store that has neither (the in-memory fake) copies it.
type indexCache struct {
	mu       sync.Mutex
	max      int
	maxFiles int
	files    int // open files of the entries
	entries  map[string]*indexEntry
	clock    int64
}

type indexEntry struct {
	ix      *variants.Index
	f       io.Closer
	files   int
	refs    int
	used    int64
	evicted bool
}

func newIndexCache(max, maxFiles int) *indexCache {
	return &indexCache{max: max, maxFiles: maxFiles, entries: map[string]*indexEntry{}}
}

// openFiles is how many files r holds open: fsblob's object of several data
// files says, anything else is one.
func openFiles(r io.Closer) int {
	if m, ok := r.(interface{ Files() int }); ok {
		return m.Files()
	}
	return 1
}

// open returns the index of the result at key and a release func to call
// when done with it.
func (c *indexCache) open(ctx context.Context, blobs domain.Blobs, key string) (*variants.Index, func(), error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		e.refs++
		c.clock++
		e.used = c.clock
	}
	c.mu.Unlock()
	if !ok {
		f, files, ix, err := fetchIndex(ctx, blobs, key)
		if err != nil {
			return nil, nil, err
		}
		c.mu.Lock()
		c.clock++
		if old, raced := c.entries[key]; raced { // another request opened it meanwhile
			f.Close()
			e = old
			e.refs++
			e.used = c.clock
		} else {
			e = &indexEntry{ix: ix, f: f, files: files, refs: 1, used: c.clock}
			c.entries[key] = e
			c.files += e.files
			c.evict()
		}
		c.mu.Unlock()
	}
	return e.ix, func() { c.release(e) }, nil
}

func (c *indexCache) release(e *indexEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refs--
	if e.evicted && e.refs == 0 {
		e.f.Close()
	}
}

// evict drops the least recently used entries over max or maxFiles (closed
// once unused).
func (c *indexCache) evict() {
	for len(c.entries) > c.max || c.files > c.maxFiles {
		var oldKey string
		var old *indexEntry
		for k, e := range c.entries {
			if old == nil || e.used < old.used {
				oldKey, old = k, e
			}
		}
		c.drop(oldKey, old)
	}
}

func (c *indexCache) drop(key string, e *indexEntry) {
	delete(c.entries, key)
	c.files -= e.files
	e.evicted = true
	if e.refs == 0 {
		e.f.Close()
	}
}

// forget drops key (its job was deleted or archived).
func (c *indexCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.drop(key, e)
	}
}

// sizedReaderAt is a blob the store reads at any offset in place (fsblob's
// object made of several data files, such as a joined variant index).
type sizedReaderAt interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// fileAt is an *os.File as a sizedReaderAt.
type fileAt struct {
	*os.File
	size int64
}

func (f fileAt) Size() int64 { return f.size }

// fetchIndex opens the variant index of the result at key, with the
// result it reads its rows' text from: what to close when done, and how
// many files that holds open.
func fetchIndex(ctx context.Context, blobs domain.Blobs, key string) (io.Closer, int, *variants.Index, error) {
	rc, err := blobs.Get(ctx, domain.VariantsKey(key))
	if err != nil {
		return nil, 0, nil, err
	}
	idx, err := readerAt(rc, domain.VariantsKey(key))
	if err != nil {
		return nil, 0, nil, err
	}
	// An index of version 5 reads its rows' text from the result; an
	// older one needs none (and its job may predate compressed results).
	res, err := resultAt(ctx, blobs, key)
	if errors.Is(err, domain.ErrNotFound) {
		ix, err := variants.Open(idx, idx.Size(), nil)
		if err != nil {
			idx.Close()
			return nil, 0, nil, fmt.Errorf("%w (and the result %s is missing)", err, key)
		}
		return idx, openFiles(idx), ix, nil
	}
	if err != nil {
		idx.Close()
		return nil, 0, nil, fmt.Errorf("open the result: %w", err)
	}
	f := closers{idx, res}
	ix, err := variants.Open(idx, idx.Size(), res)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return f, openFiles(idx) + openFiles(res), ix, nil
}

// closers closes each in turn, returning the first error.
type closers []io.Closer

func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// resultAt gives random access to the result at key: the directory store's
// files in place, a ranged store's object by ranged reads (S3: no copy of a
// whole genome's result), any other store's object copied.
func resultAt(ctx context.Context, blobs domain.Blobs, key string) (sizedReaderAt, error) {
	if rb, ok := blobs.(domain.RangeBlobs); ok {
		rc, err := rb.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		if r, ok := rc.(sizedReaderAt); ok {
			return r, nil
		}
		rc.Close()
		info, err := rb.Head(ctx, key)
		if err != nil {
			return nil, err
		}
		// The cache keeps the reader past this request: its reads must
		// not end with the request.
		return &rangeAt{ctx: context.WithoutCancel(ctx), blobs: rb, key: key, size: info.Size}, nil
	}
	rc, err := blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return readerAt(rc, key)
}

// rangeAt reads an object by ranged reads, one per ReadAt.
type rangeAt struct {
	ctx   context.Context
	blobs domain.RangeBlobs
	key   string
	size  int64
}

func (r *rangeAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-off)
	rc, err := r.blobs.GetRange(r.ctx, r.key, off, n)
	if err != nil {
		return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	defer rc.Close()
	k, err := io.ReadFull(rc, p[:n])
	if err != nil {
		return k, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	if k < len(p) {
		return k, io.EOF
	}
	return k, nil
}

func (r *rangeAt) Close() error { return nil }
func (r *rangeAt) Size() int64  { return r.size }
func (r *rangeAt) Files() int   { return 0 } // no file held open

// readerAt gives random access to the blob rc reads: the directory store's
// files in place, any other store's object copied to an unlinked temporary
// file. It closes rc when it does not return it.
func readerAt(rc io.ReadCloser, key string) (sizedReaderAt, error) {
	if r, ok := rc.(sizedReaderAt); ok {
		return r, nil
	}
	f, ok := rc.(*os.File)
	if !ok {
		defer rc.Close()
		var err error
		if f, err = os.CreateTemp("", "gas-variants-*.idx"); err != nil {
			return nil, err
		}
		os.Remove(f.Name()) // the open file keeps the data; nothing is left behind
		if _, err := io.Copy(f, rc); err != nil {
			f.Close()
			return nil, fmt.Errorf("copy %s: %w", key, err)
		}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileAt{File: f, size: st.Size()}, nil
}
