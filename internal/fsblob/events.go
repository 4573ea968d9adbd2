package fsblob

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Restore notifications: S3 sends an "Object Restore Completed" event when a
// restore finishes, and GAS's restore workflow waits for it. Once
// NotifyRestores is called, the store does the same: when a restore's delay
// is over it calls the handler with the key, once per restore request (the
// sidecar records that it was sent). A restore that finished while no
// process watched is announced at once by the next NotifyRestores. Timers
// run on real time (a fake clock from Options.Now does not move them;
// testing/synctest does).

// RestoreNotice announces a finished restore of a GLACIER object: readable
// from ReadyAt until Until.
type RestoreNotice struct {
	Key            string
	ReadyAt, Until time.Time
}

// notifier is the handler NotifyRestores installed, and its context.
type notifier struct {
	mu  sync.Mutex
	ctx context.Context
	fn  func(context.Context, RestoreNotice)
}

// NotifyRestores makes the store call fn for every restore that completes
// from now on, and at once for each finished one not yet announced. fn runs
// on a goroutine of its own; it is not called again for the same restore
// whatever it does, as EventBridge drops an event after its retries (the
// workflow has a timeout for that). Calls stop when ctx ends.
func (s *Store) NotifyRestores(ctx context.Context, fn func(context.Context, RestoreNotice)) error {
	s.events.mu.Lock()
	s.events.ctx, s.events.fn = ctx, fn
	s.events.mu.Unlock()
	return filepath.WalkDir(filepath.Join(s.root, "keys"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, sidecarSuffix) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // removed meanwhile
		}
		var m sidecar
		if json.Unmarshal(b, &m) == nil && m.Restore != nil && !m.Restore.Notified {
			s.scheduleNotice(m.Key, *m.Restore)
		}
		return nil
	})
}

// scheduleNotice announces the restore rs of key when it is ready.
func (s *Store) scheduleNotice(key string, rs restoreState) {
	s.events.mu.Lock()
	fn := s.events.fn
	s.events.mu.Unlock()
	if fn == nil {
		return
	}
	time.AfterFunc(max(rs.ReadyAt.Sub(s.now()), 0), func() { s.sendNotice(key, rs.RequestedAt) })
}

// sendNotice calls the handler for key's restore requested at requestedAt,
// unless it is gone, was replaced, or was announced already; then records it.
func (s *Store) sendNotice(key string, requestedAt time.Time) {
	s.events.mu.Lock()
	ctx, fn := s.events.ctx, s.events.fn
	s.events.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	m, err := s.load(key)
	if err != nil || m.Restore == nil || m.Restore.Notified || !m.Restore.RequestedAt.Equal(requestedAt) {
		s.mu.Unlock()
		return
	}
	m.Restore.Notified = true
	err = s.save(m)
	s.mu.Unlock()
	if err == nil {
		fn(ctx, RestoreNotice{Key: key, ReadyAt: m.Restore.ReadyAt, Until: m.Restore.Until})
	}
}
