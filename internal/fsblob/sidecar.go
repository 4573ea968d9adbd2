package fsblob

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
)

// sidecar is the record of one object, stored as JSON at keys/<key>.json.
// Renaming a new sidecar into place is the commit point of every change, so a
// crash leaves either the old object or the new one, never a mix.
type sidecar struct {
	Format int    `json:"format"` // sidecarFormat
	Key    string `json:"key"`
	Blob   string `json:"blob,omitempty"` // file name under data/<first two chars>/
	// Parts, instead of Blob, are the data files an object made by Concat
	// reads in turn (its sources' data files, linked, and its tail).
	Parts    []string            `json:"parts,omitempty"`
	Size     int64               `json:"size"`
	Modified time.Time           `json:"modified"`
	Class    domain.StorageClass `json:"storage_class"`
	Restore  *restoreState       `json:"restore,omitempty"` // GLACIER only
}

// restoreState is a requested or finished restore of a GLACIER object: in
// progress until ReadyAt, then readable until Until.
type restoreState struct {
	Tier        domain.RestoreTier `json:"tier"`
	RequestedAt time.Time          `json:"requested_at"`
	ReadyAt     time.Time          `json:"ready_at"`
	Until       time.Time          `json:"until"`
	Notified    bool               `json:"notified,omitempty"` // the restore-completed notice was sent (events.go)
}

const (
	sidecarFormat = 1
	sidecarSuffix = ".json"
	maxKeyBytes   = 1024 // S3's limit
	maxSegBytes   = 250  // a file name is at most 255 bytes, and the sidecar adds a suffix
)

var blobName = regexp.MustCompile(`^[0-9a-f]{32}$`)

// files are the object's data files, in the order its bytes come.
func (m *sidecar) files() []string {
	if m.Blob != "" {
		return []string{m.Blob}
	}
	return m.Parts
}

func (m *sidecar) inProgress(now time.Time) bool {
	return m.Restore != nil && now.Before(m.Restore.ReadyAt)
}

func (m *sidecar) restored(now time.Time) bool {
	return m.Restore != nil && !now.Before(m.Restore.ReadyAt) && now.Before(m.Restore.Until)
}

func (m *sidecar) readable(now time.Time) bool {
	return m.Class != domain.ClassGlacier || m.restored(now)
}

func (m *sidecar) info(now time.Time) domain.ObjectInfo {
	info := domain.ObjectInfo{Key: m.Key, Size: m.Size, StorageClass: m.Class, LastModified: m.Modified}
	if m.Class == domain.ClassGlacier {
		info.RestoreInProgress = m.inProgress(now)
		if m.restored(now) {
			info.RestoredUntil = m.Restore.Until
		}
	}
	return info
}

// checkKey accepts the keys a directory tree can hold without aliasing:
// UTF-8, no NUL, not absolute, no empty, "." or ".." segments.
func checkKey(key string) error {
	var reason string
	switch {
	case key == "":
		reason = "empty"
	case len(key) > maxKeyBytes:
		reason = fmt.Sprintf("longer than %d bytes", maxKeyBytes)
	case !utf8.ValidString(key):
		reason = "not UTF-8"
	case strings.ContainsRune(key, 0):
		reason = "contains NUL"
	case strings.HasPrefix(key, "/"):
		reason = "absolute"
	}
	if reason == "" {
		for _, seg := range strings.Split(key, "/") {
			switch {
			case seg == "":
				reason = "empty path segment"
			case seg == "." || seg == "..":
				reason = fmt.Sprintf("%q segment", seg)
			case len(seg) > maxSegBytes:
				reason = fmt.Sprintf("a segment longer than %d bytes", maxSegBytes)
			}
			if reason != "" {
				break
			}
		}
	}
	if reason == "" && !filepath.IsLocal(filepath.FromSlash(key)) {
		reason = "not a local path on this system"
	}
	if reason != "" {
		return fmt.Errorf("object key %q: %s: %w", key, reason, domain.ErrInvalid)
	}
	return nil
}

// sidecarPath is where key's record lives; key must have passed checkKey.
func (s *Store) sidecarPath(key string) string {
	return filepath.Join(s.root, "keys", filepath.FromSlash(key)) + sidecarSuffix
}

func (s *Store) blobPath(name string) string {
	return filepath.Join(s.root, "data", name[:2], name)
}

// load reads key's sidecar; ErrNotFound if the object does not exist, and a
// clear error naming the file if the sidecar is damaged.
func (s *Store) load(key string) (*sidecar, error) {
	path := s.sidecarPath(key)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
		return nil, fmt.Errorf("object %q: %w", key, domain.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("object %q: read metadata: %w", key, err)
	}
	var m sidecar
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("object %q: metadata file %s is damaged: %v", key, path, err)
	}
	if err := m.validate(key); err != nil {
		return nil, fmt.Errorf("object %q: metadata file %s is damaged: %v", key, path, err)
	}
	return &m, nil
}

func (m *sidecar) validate(key string) error {
	switch {
	case m.Format != sidecarFormat:
		return fmt.Errorf("format %d, want %d", m.Format, sidecarFormat)
	case m.Key != key:
		return fmt.Errorf("records key %q", m.Key)
	case (m.Blob == "") == (len(m.Parts) == 0):
		return errors.New("names no data file, or both a data file and parts")
	case slices.ContainsFunc(m.files(), func(name string) bool { return !blobName.MatchString(name) }):
		return fmt.Errorf("bad data file name in %q", m.files())
	case m.Size < 0:
		return fmt.Errorf("negative size %d", m.Size)
	case m.Class != domain.ClassStandard && m.Class != domain.ClassGlacier:
		return fmt.Errorf("unknown storage class %q", m.Class)
	case m.Restore != nil && m.Class != domain.ClassGlacier:
		return fmt.Errorf("restore state on a %s object", m.Class)
	}
	return nil
}

// save writes key's sidecar atomically: a temp file, fsync, rename, fsync of
// the directory. The caller holds s.mu.
func (s *Store) save(m *sidecar) error {
	path := s.sidecarPath(m.Key)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("object %q: encode metadata: %w", m.Key, err)
	}
	dir := filepath.Dir(path)
	if err := mkdirSynced(dir); err != nil {
		if errors.Is(err, errNotDir) || errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("object %q: a prefix of the key names another object's metadata file: %w", m.Key, domain.ErrConflict)
		}
		return fmt.Errorf("object %q: %w", m.Key, err)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("object %q: its metadata path is a directory of other keys: %w", m.Key, domain.ErrConflict)
	}
	tmp, err := s.writeTemp(false, func(f *os.File) error { _, err := f.Write(data); return err })
	if err != nil {
		return fmt.Errorf("object %q: write metadata: %w", m.Key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("object %q: commit metadata: %w", m.Key, err)
	}
	return syncDir(dir)
}

// removeSidecar deletes key's record and the directories it leaves empty.
// The caller holds s.mu.
func (s *Store) removeSidecar(key string) error {
	path := s.sidecarPath(key)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("object %q: remove metadata: %w", key, err)
	}
	top := filepath.Join(s.root, "keys")
	for dir := filepath.Dir(path); dir != top && strings.HasPrefix(dir, top); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty: stop
			break
		}
	}
	return nil
}

// mkdirSynced is os.MkdirAll that also syncs each directory it makes into
// its parent, so that the names made in it survive a crash with it.
func mkdirSynced(dir string) error {
	var made []string // missing, deepest first
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range made {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
