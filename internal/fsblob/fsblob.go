// Package fsblob is the embedded object store: a directory tree with S3's
// keys and storage-class semantics, used by `gas serve` and the tests.
//
// Layout under the root directory:
//
//	keys/<key>.json    one metadata file (sidecar) per object, the key's
//	                   slashes as directories: size, modified time, storage
//	                   class, restore state, and the name of its data file
//	data/ab/ab12...    the bytes, named by a random id (Open makes the 256
//	                   directories data/00 to data/ff)
//	tmp/               writes in progress (stale ones removed on Open)
//
// Every change writes a new sidecar and renames it into place, so a crash
// leaves the old object or the new one. A Put whose context ended before
// its commit stores nothing, and List holds the commit lock, so a List
// after a writer was cancelled is final. Copies hard-link the data file, so
// archiving a large result is instant.
//
// Durability: an object is on disk when the call that stored it returns. A
// Put syncs its data file, the data file's directory, its sidecar and the
// sidecar's directory, in that order; a Copy or Concat makes all its links
// (and a Concat's tail) in one data directory and syncs it once, then
// commits the sidecar the same way, so a join of many parts costs four
// syncs, not two per part. A crash can at worst leave an
// unreferenced file in data/. Writers are serialised within one process;
// one process (gas serve) owns a store, others may read it. PutCold is Put
// for an object nothing reads back soon: its pages leave the page cache
// once synced.
//
// Storage classes: a GLACIER object cannot be read until restored. A restore
// completes after a per-tier delay (Options.RestoreDelays; by default
// Expedited 5 s, Standard 30 s, Bulk 60 s) and the restored copy stays
// readable for the requested days; NotifyRestores announces each completed
// restore, as S3's "Object Restore Completed" event does (events.go).
// SetExpeditedUnavailable makes Expedited restores fail the way S3 does when
// it has no capacity.
//
// Keys: S3 allows any UTF-8 key; this store refuses the ones a directory tree
// cannot hold without aliasing (absolute, empty, "." or ".." segments, NUL)
// with domain.ErrInvalid.
package fsblob

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/writeback"
)

var errNotDir = syscall.ENOTDIR

// maxRestoreDays keeps days*24h inside a time.Duration (S3 allows more, GAS asks for a few).
const maxRestoreDays = 36500

// DefaultRestoreDelays are the local stand-ins for S3's minutes (Expedited)
// and hours (Standard, Bulk).
var DefaultRestoreDelays = map[domain.RestoreTier]time.Duration{
	domain.TierExpedited: 5 * time.Second,
	domain.TierStandard:  30 * time.Second,
	domain.TierBulk:      60 * time.Second,
}

// Options configures a Store. The zero value is usable.
type Options struct {
	// RestoreDelays is how long a restore takes per tier; tiers left out use DefaultRestoreDelays.
	RestoreDelays map[domain.RestoreTier]time.Duration
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
}

// Store is a domain.Blobs on a directory tree.
type Store struct {
	root    string
	tmp     string   // this Store's own directory under tmp/ (see newTempDir)
	tmpLock *os.File // held while the process lives
	delays  map[domain.RestoreTier]time.Duration
	now     func() time.Time

	mu                   sync.Mutex // serialises sidecar read-modify-writes
	expeditedUnavailable atomic.Bool
	events               notifier // restore notices (events.go)
}

var _ domain.RangeBlobs = (*Store)(nil)

// Open uses root (created if needed) as the store's directory.
func Open(root string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", root, err)
	}
	for _, d := range []string{"keys", "data", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("open blob store %s: %w", root, err)
		}
	}
	if err := makeDataDirs(filepath.Join(abs, "data")); err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", root, err)
	}
	cleanTemp(filepath.Join(abs, "tmp"))
	tmp, lock, err := newTempDir(filepath.Join(abs, "tmp"))
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", root, err)
	}
	s := &Store{root: abs, tmp: tmp, tmpLock: lock, delays: map[domain.RestoreTier]time.Duration{}, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	for tier, d := range DefaultRestoreDelays {
		s.delays[tier] = d
	}
	for tier, d := range opts.RestoreDelays {
		if _, ok := DefaultRestoreDelays[tier]; !ok || d < 0 {
			return nil, fmt.Errorf("open blob store %s: bad restore delay %v for tier %q", root, d, tier)
		}
		s.delays[tier] = d
	}
	return s, nil
}

// SetExpeditedUnavailable makes Expedited restores fail with
// domain.ErrExpeditedUnavailable (S3's GlacierExpeditedRetrievalNotAvailable).
func (s *Store) SetExpeditedUnavailable(unavailable bool) { s.expeditedUnavailable.Store(unavailable) }

// Put stores r's bytes under key as a STANDARD object, replacing any object there.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, putReplace)
}

// PutOnce stores r's bytes under key unless an object is there: then it
// fails with domain.ErrConflict and leaves that object as it was (the
// write-once audit archive; S3's If-None-Match: *).
func (s *Store) PutOnce(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, putOnce)
}

// PutCold is Put for an object that nothing reads back soon (a shard's
// part, which Merge joins by reference): once its data file is synced, its
// pages are dropped from the page cache (writeback.Drop). A whole genome's
// parts are some 230 MB; kept, they would crowd out what is read (the
// reference bundle, the upload the other shards are reading), and their
// pages would not be reused by the next writes. A later read comes from
// the disk. Durability is Put's.
func (s *Store) PutCold(ctx context.Context, key string, r io.Reader) error {
	return s.put(ctx, key, r, putCold)
}

// putMode is how put commits and caches an object.
type putMode int

const (
	putReplace putMode = iota // Put
	putOnce                   // PutOnce: only where no object is
	putCold                   // PutCold: Put, then drop the pages
)

func (s *Store) put(ctx context.Context, key string, r io.Reader, mode putMode) error {
	if err := checkKey(key); err != nil {
		return err
	}
	var size int64
	tmp, err := s.writeTemp(mode == putCold, func(f *os.File) error {
		// Written in MiB chunks: readers such as an upload's multipart part
		// hand over 4 KiB a read, a write call each without the buffer.
		// Raw: a MiB write outlasts the 20 µs after which the runtime hands
		// an ordinary system call's P to another thread (writeback.Raw);
		// the parts of the shards running at once are written while every
		// core runs engine workers.
		w := putBuffers.Get().(*bufio.Writer)
		defer func() { w.Reset(nil); putBuffers.Put(w) }()
		w.Reset(writeback.Over(f, writeback.Raw(f)))
		n, err := w.ReadFrom(ctxReader{ctx, r})
		size = n
		if err == nil {
			err = w.Flush()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	name, err := s.adoptBlob(tmp)
	if err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	m := &sidecar{Format: sidecarFormat, Key: key, Blob: name, Size: size, Modified: s.now().UTC(), Class: domain.ClassStandard}
	commit := s.replace
	if mode == putOnce {
		commit = s.create
	}
	if err := commit(ctx, m); err != nil {
		os.Remove(s.blobPath(name))
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// putBuffers holds put's MiB write buffers: a job stores some 75 objects,
// most of them small, and a new buffer each time is a MiB to zero and collect.
var putBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<20) }}

// replace commits m as its key's sidecar and drops the data file it
// replaced. A write whose context ended before the commit stores nothing
// (see committing).
func (s *Store) replace(ctx context.Context, m *sidecar) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := committing(ctx, m.Key); err != nil {
		return err
	}
	return s.replaceLocked(m)
}

// create commits m as its key's sidecar unless the key exists.
func (s *Store) create(ctx context.Context, m *sidecar) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := committing(ctx, m.Key); err != nil {
		return err
	}
	_, err := s.load(m.Key)
	if err == nil {
		return fmt.Errorf("object %q exists and is write-once: %w", m.Key, domain.ErrConflict)
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	return s.save(m)
}

func (s *Store) replaceLocked(m *sidecar) error {
	old, _ := s.load(m.Key) // a damaged old sidecar is simply replaced
	if err := s.save(m); err != nil {
		return err
	}
	if old != nil {
		s.removeFiles(old, m)
	}
	return nil
}

// removeFiles removes old's data files that keep does not use (keep may be nil).
func (s *Store) removeFiles(old, keep *sidecar) {
	for _, name := range old.files() {
		if keep == nil || !slices.Contains(keep.files(), name) {
			os.Remove(s.blobPath(name))
		}
	}
}

// Get opens the object's bytes; ErrArchived for a GLACIER object not restored.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	// A concurrent Put may drop the data file between reading the sidecar and
	// opening it; the new sidecar is then in place, so read it again.
	for attempt := 0; ; attempt++ {
		m, err := s.load(key)
		if err != nil {
			return nil, fmt.Errorf("get: %w", err)
		}
		if !m.readable(s.now()) {
			return nil, fmt.Errorf("get %q: %w", key, domain.ErrArchived)
		}
		rc, err := s.open(m.files())
		if errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get %q: data file: %w", key, err)
		}
		return rc, nil
	}
}

// GetRange opens bytes [off, off+n) of the object (S3's ranged GetObject):
// fewer where the object ends before off+n. A job's shards read their
// slices of the upload this way instead of copies (domain.RangeBlobs).
func (s *Store) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("get %q: range of %d bytes at %d: %w", key, n, off, domain.ErrInvalid)
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	// Both kinds open returns read at any offset.
	return sectionCloser{io.NewSectionReader(rc.(io.ReaderAt), off, n), rc}, nil
}

type sectionCloser struct {
	*io.SectionReader
	io.Closer
}

// open opens data files that read as one: the *os.File of a single one,
// else all of them at once, so that a concurrent replace, which removes
// them, cannot cut the object short. Both read at any offset too
// (io.ReaderAt: the variant index is read in place).
func (s *Store) open(names []string) (io.ReadCloser, error) {
	if len(names) == 1 {
		return os.Open(s.blobPath(names[0]))
	}
	r := &multiFileReader{files: make(multiFile, 0, len(names))}
	for _, name := range names {
		f, err := os.Open(s.blobPath(name))
		if err != nil {
			r.files.Close()
			return nil, err
		}
		r.files = append(r.files, f)
		st, err := f.Stat()
		if err != nil {
			r.files.Close()
			return nil, err
		}
		r.ends = append(r.ends, r.Size()+st.Size())
	}
	return r, nil
}

// multiFileReader reads files in turn (an object made by Concat).
type multiFileReader struct {
	files multiFile
	ends  []int64 // where each file ends in the object
	next  int
}

func (r *multiFileReader) Read(p []byte) (int, error) {
	for r.next < len(r.files) {
		n, err := r.files[r.next].Read(p)
		if err == io.EOF {
			r.next++
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.EOF
}

// ReadAt reads len(p) bytes at off, across files where they meet.
func (r *multiFileReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("fsblob: negative offset")
	}
	i, _ := slices.BinarySearch(r.ends, off+1) // the file holding off
	n := 0
	for ; n < len(p) && i < len(r.files); i++ {
		start := int64(0)
		if i > 0 {
			start = r.ends[i-1]
		}
		want := min(int64(len(p)-n), r.ends[i]-off)
		k, err := r.files[i].ReadAt(p[n:n+int(want)], off-start)
		n, off = n+k, off+int64(k)
		if err != nil && !(err == io.EOF && int64(k) == want) {
			return n, err
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size is the object's size (the files' sizes when opened).
func (r *multiFileReader) Size() int64 {
	if len(r.ends) == 0 {
		return 0
	}
	return r.ends[len(r.ends)-1]
}

// Files is how many files it holds open.
func (r *multiFileReader) Files() int { return len(r.files) }

func (r *multiFileReader) Close() error { return r.files.Close() }

type multiFile []*os.File

func (fs multiFile) Close() error {
	var errs []error
	for _, f := range fs {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Head reports the object's size, class and restore status.
func (s *Store) Head(ctx context.Context, key string) (domain.ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return domain.ObjectInfo{}, err
	}
	m, err := s.load(key)
	if err != nil {
		return domain.ObjectInfo{}, fmt.Errorf("head: %w", err)
	}
	return m.info(s.now()), nil
}

// Delete removes the object; an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load(key)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err := s.removeSidecar(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if m != nil { // a damaged sidecar is removed; its data files, if any, are left behind
		s.removeFiles(m, nil)
	}
	return nil
}

// committing fails when the writer's context ended before its commit. It is
// checked under s.mu, which List holds too: a List that starts after a
// writer's context ended sees either its object or none, never one that
// appears later (the workflow drops a failed job's files once its shards'
// contexts are cancelled; a shard still writing must not add one after).
func committing(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("object %q: the write was cancelled before its commit: %w", key, err)
	}
	return nil
}

// List returns the keys under prefix, in byte order, read from the
// sidecars' paths below the prefix's directory. It holds the commit lock.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	if err := checkKey(prefix + "_"); err != nil { // a prefix must be the start of a valid key
		return nil, fmt.Errorf("list: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	top := filepath.Join(s.root, "keys")
	start := filepath.Join(top, filepath.FromSlash(path.Dir(prefix+"_")))
	var keys []string
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // nothing under the prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, sidecarSuffix) {
			return nil
		}
		rel, err := filepath.Rel(top, p)
		if err != nil {
			return err
		}
		if key := strings.TrimSuffix(filepath.ToSlash(rel), sidecarSuffix); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	slices.Sort(keys) // WalkDir's lexical order puts "a/b" after "a.x"; S3's is by bytes
	return keys, nil
}

// Copy copies src to dst in class. src == dst changes the class in place;
// reading a GLACIER source requires a finished restore (ErrArchived otherwise).
func (s *Store) Copy(ctx context.Context, src, dst string, class domain.StorageClass) error {
	if err := checkKey(src); err != nil {
		return err
	}
	if err := checkKey(dst); err != nil {
		return err
	}
	if class != domain.ClassStandard && class != domain.ClassGlacier {
		return fmt.Errorf("copy %q: storage class %q: %w", src, class, domain.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	now := s.now()
	if src == dst && m.Class == class {
		return nil // nothing to change
	}
	if src == dst && class == domain.ClassGlacier {
		m.Class, m.Restore, m.Modified = domain.ClassGlacier, nil, now.UTC()
		if err := s.save(m); err != nil {
			return fmt.Errorf("copy %q to %s: %w", src, class, err)
		}
		return nil
	}
	if !m.readable(now) {
		return fmt.Errorf("copy %q: %w", src, domain.ErrArchived)
	}
	if src == dst { // GLACIER, restored, to STANDARD
		m.Class, m.Restore, m.Modified = domain.ClassStandard, nil, now.UTC()
		if err := s.save(m); err != nil {
			return fmt.Errorf("copy %q to %s: %w", src, class, err)
		}
		return nil
	}
	out := &sidecar{Format: sidecarFormat, Key: dst, Size: m.Size, Modified: now.UTC(), Class: class}
	dir := newBlobName()[:2]
	names, err := s.cloneFiles(m, dir)
	if err == nil {
		if err = syncDir(s.dataDir(dir)); err != nil {
			s.removeFiles(&sidecar{Parts: names}, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("copy %q to %q: %w", src, dst, err)
	}
	if m.Blob != "" {
		out.Blob = names[0]
	} else {
		out.Parts = names
	}
	if err := s.replaceLocked(out); err != nil {
		s.removeFiles(out, nil)
		return fmt.Errorf("copy %q to %q: %w", src, dst, err)
	}
	return nil
}

// Restore asks for a readable copy of a GLACIER object for days days.
func (s *Store) Restore(ctx context.Context, key string, tier domain.RestoreTier, days int) error {
	if err := checkKey(key); err != nil {
		return err
	}
	delay, ok := s.delays[tier]
	if !ok {
		return fmt.Errorf("restore %q: unknown tier %q: %w", key, tier, domain.ErrInvalid)
	}
	if days < 1 || days > maxRestoreDays {
		return fmt.Errorf("restore %q: days %d, want 1 to %d: %w", key, days, maxRestoreDays, domain.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load(key)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if m.Class != domain.ClassGlacier {
		return fmt.Errorf("restore %q: a %s object needs no restore: %w", key, m.Class, domain.ErrInvalid)
	}
	now := s.now()
	keep := time.Duration(days) * 24 * time.Hour
	switch {
	case m.inProgress(now):
		return nil // S3 answers RestoreAlreadyInProgress; the port calls that success
	case m.restored(now):
		m.Restore.Until = now.Add(keep).UTC() // asking again extends the expiry
	default:
		if tier == domain.TierExpedited && s.expeditedUnavailable.Load() {
			return fmt.Errorf("restore %q: %w", key, domain.ErrExpeditedUnavailable)
		}
		ready := now.Add(delay)
		m.Restore = &restoreState{Tier: tier, RequestedAt: now.UTC(), ReadyAt: ready.UTC(), Until: ready.Add(keep).UTC()}
	}
	if err := s.save(m); err != nil {
		return fmt.Errorf("restore %q: %w", key, err)
	}
	if !m.Restore.Notified {
		s.scheduleNotice(key, *m.Restore)
	}
	return nil
}

// makeDataDirs makes data/00 to data/ff, the directories data files go
// to (by the first two characters of their names), and syncs data/ once
// if it made any: a write then syncs only the directory its file goes to.
func makeDataDirs(data string) error {
	made := false
	for i := range 256 {
		err := os.Mkdir(filepath.Join(data, fmt.Sprintf("%02x", i)), 0o755)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		made = made || err == nil
	}
	if made {
		return syncDir(data)
	}
	return nil
}

// writeTemp creates a file under tmp/, lets fill write it, and syncs it;
// cold drops its pages from the page cache once synced (PutCold).
// put writes through a writeback.Writer, so that the sync of a large object
// waits for its last few MiB only.
func (s *Store) writeTemp(cold bool, fill func(*os.File) error) (string, error) {
	f, err := os.CreateTemp(s.tmp, "w-*")
	if err != nil {
		return "", err
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if err == nil && cold {
		writeback.Drop(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// adoptBlob moves a finished temp file into data/ under a new random name.
// The name is synced into its directory before any sidecar names the file:
// a sidecar that outlives a crash must find its data.
func (s *Store) adoptBlob(tmp string) (string, error) {
	name := newBlobName()
	if err := s.adopt(tmp, name); err != nil {
		return "", err
	}
	if err := syncDir(filepath.Dir(s.blobPath(name))); err != nil {
		os.Remove(s.blobPath(name))
		return "", err
	}
	return name, nil
}

// adopt moves a finished temp file into data/ as name. The caller syncs
// name's directory before a sidecar names it (adoptBlob, or once for
// several files: Concat).
func (s *Store) adopt(tmp, name string) error {
	path := s.blobPath(name)
	if err := mkdirSynced(filepath.Dir(path)); err != nil { // made by Open; again if removed since
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// cloneFiles gives each of m's data files a second name in the data
// directory dir (two hex characters): a hard link where the file system
// allows it (data files are never modified in place), else a copy. The
// caller syncs dir once for them all (syncDir(s.dataDir(dir))) before a
// sidecar names them; on failure cloneFiles removes the ones it made.
func (s *Store) cloneFiles(m *sidecar, dir string) ([]string, error) {
	var names []string
	for _, name := range m.files() {
		c, err := s.cloneBlob(name, dir)
		if err != nil {
			for _, c := range names {
				os.Remove(s.blobPath(c))
			}
			return nil, err
		}
		names = append(names, c)
	}
	return names, nil
}

// cloneBlob is one file of cloneFiles.
func (s *Store) cloneBlob(name, dir string) (string, error) {
	clone := newBlobNameIn(dir)
	path := s.blobPath(clone)
	if err := mkdirSynced(filepath.Dir(path)); err != nil {
		return "", err
	}
	if err := os.Link(s.blobPath(name), path); err == nil {
		return clone, nil
	}
	src, err := os.Open(s.blobPath(name))
	if err != nil {
		return "", fmt.Errorf("data file: %w", err)
	}
	defer src.Close()
	tmp, err := s.writeTemp(false, func(f *os.File) error { _, err := io.Copy(f, src); return err })
	if err != nil {
		return "", err
	}
	return clone, s.adopt(tmp, clone)
}

// dataDir is the directory of the data files whose names start with dir.
func (s *Store) dataDir(dir string) string { return filepath.Join(s.root, "data", dir) }

func newBlobName() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// newBlobNameIn is a new random name in the data directory dir.
func newBlobNameIn(dir string) string { return dir + newBlobName()[2:] }

// ctxReader stops a long Put when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
