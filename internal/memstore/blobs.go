package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Blobs is domain.Blobs in memory, with S3's storage-class semantics: a
// GLACIER object is readable only while a finished restore lasts. Restores
// finish when a test says so (FinishRestore, CompleteRestores).
type Blobs struct {
	mu                   sync.Mutex
	objs                 map[string]object
	now                  func() time.Time
	expeditedUnavailable bool
	copyClass            domain.StorageClass
	restores             []domain.RestoreTier
}

type object struct {
	data          []byte
	class         domain.StorageClass
	modified      time.Time
	restoring     bool
	restoreDays   int
	restoredUntil time.Time
}

var _ domain.Blobs = (*Blobs)(nil)

// NewBlobs returns an empty store on the clock now (time.Now when nil).
func NewBlobs(now func() time.Time) *Blobs {
	if now == nil {
		now = time.Now
	}
	return &Blobs{objs: map[string]object{}, now: now}
}

func (b *Blobs) Put(_ context.Context, key string, r io.Reader) error {
	if key == "" {
		return fmt.Errorf("put: empty key: %w", domain.ErrInvalid)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objs[key] = object{data: data, class: domain.ClassStandard, modified: b.now()}
	return nil
}

func (b *Blobs) Get(_ context.Context, key string) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, err := b.readableLocked(key)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

func (b *Blobs) Head(_ context.Context, key string) (domain.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, err := lookup(b.objs, key, key)
	if err != nil {
		return domain.ObjectInfo{}, err
	}
	return o.info(key), nil
}

func (b *Blobs) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objs, key)
	return nil
}

func (b *Blobs) List(_ context.Context, prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keys []string
	for k := range b.objs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func (b *Blobs) Copy(_ context.Context, src, dst string, class domain.StorageClass) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, err := b.readableLocked(src)
	if err != nil {
		return err
	}
	if b.copyClass != "" {
		class = b.copyClass
	}
	b.objs[dst] = object{data: slices.Clone(o.data), class: class, modified: b.now()}
	return nil
}

func (b *Blobs) Restore(_ context.Context, key string, tier domain.RestoreTier, days int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, err := lookup(b.objs, key, "restore "+key)
	if err != nil {
		return err
	}
	if o.class != domain.ClassGlacier {
		return fmt.Errorf("restore %s: it is %s: %w", key, o.class, domain.ErrInvalid)
	}
	if tier == domain.TierExpedited && b.expeditedUnavailable {
		return fmt.Errorf("restore %s: %w", key, domain.ErrExpeditedUnavailable)
	}
	switch {
	case o.restoring:
		return nil
	case b.now().Before(o.restoredUntil): // a restored copy: S3 extends its expiry
		o.restoredUntil = b.now().Add(time.Duration(days) * 24 * time.Hour)
	default:
		b.restores = append(b.restores, tier)
		o.restoring, o.restoreDays = true, days
	}
	b.objs[key] = o
	return nil
}

// readableLocked returns the object at key if Get may read it.
func (b *Blobs) readableLocked(key string) (object, error) {
	o, err := lookup(b.objs, key, key)
	if err != nil {
		return object{}, err
	}
	if !o.info(key).Readable(b.now()) {
		return object{}, fmt.Errorf("%s: %w", key, domain.ErrArchived)
	}
	return o, nil
}

func (o object) info(key string) domain.ObjectInfo {
	return domain.ObjectInfo{Key: key, Size: int64(len(o.data)), StorageClass: o.class, LastModified: o.modified,
		RestoreInProgress: o.restoring, RestoredUntil: o.restoredUntil}
}

// SetExpeditedUnavailable makes Expedited restores fail with
// domain.ErrExpeditedUnavailable, as S3 does when that tier has no capacity.
func (b *Blobs) SetExpeditedUnavailable(unavailable bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expeditedUnavailable = unavailable
}

// SetCopyClass makes every Copy store class, whatever was asked (a broken
// store, for tests that verify copies); "" restores honest copies.
func (b *Blobs) SetCopyClass(class domain.StorageClass) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.copyClass = class
}

// FinishRestore completes the restore in flight on key, as its tier's delay
// passing would: the copy is readable for the days the restore asked.
func (b *Blobs) FinishRestore(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finishLocked(key)
}

// CompleteRestores completes every restore in flight.
func (b *Blobs) CompleteRestores() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, o := range b.objs {
		if o.restoring {
			b.finishLocked(k)
		}
	}
}

func (b *Blobs) finishLocked(key string) {
	o, ok := b.objs[key]
	if !ok || !o.restoring {
		return
	}
	o.restoring = false
	o.restoredUntil = b.now().Add(time.Duration(o.restoreDays) * 24 * time.Hour)
	b.objs[key] = o
}

// Restores returns the tier of every restore the store started, in order.
func (b *Blobs) Restores() []domain.RestoreTier {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.restores)
}

// Keys returns every key, sorted.
func (b *Blobs) Keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ks := make([]string, 0, len(b.objs))
	for k := range b.objs {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Data returns the bytes stored at key whatever its class, and whether it exists.
func (b *Blobs) Data(key string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objs[key]
	return slices.Clone(o.data), ok
}
