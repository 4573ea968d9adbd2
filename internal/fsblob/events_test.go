package fsblob

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// notices collects what NotifyRestores sends.
type notices struct {
	mu   sync.Mutex
	list []string
}

func (n *notices) handler(start time.Time) func(context.Context, RestoreNotice) {
	return func(_ context.Context, r RestoreNotice) {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.list = append(n.list, fmt.Sprintf("%s@+%v", r.Key, time.Since(start)))
	}
}

func (n *notices) String() string {
	synctest.Wait()
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.list, " ")
}

// glacier opens a store in dir with one archived object, k.
func glacier(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Put(ctx, "k", strings.NewReader("data")); err != nil {
		t.Fatal(err)
	}
	if err := s.Copy(ctx, "k", "k", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRestoreNoticeAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := glacier(t, t.TempDir())
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		var got notices
		if err := s.NotifyRestores(ctx, got.handler(start)); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(ctx, "k", domain.TierExpedited, 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second)
		if got.String() != "" {
			t.Fatalf("notice before the 5 s delay: %s", got.String())
		}
		time.Sleep(time.Second)
		if got.String() != "k@+5s" {
			t.Fatalf("notices %q, want k at +5s", got.String())
		}
		// Asking again (it extends the copy) sends nothing more.
		if err := s.Restore(ctx, "k", domain.TierExpedited, 2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if got.String() != "k@+5s" {
			t.Errorf("notices %q after a second request", got.String())
		}
	})
}

// A restore that finished, or is pending, while no process watched is
// announced by the next NotifyRestores (at once, or when ready), only once.
func TestRestoreNoticeAcrossRestarts(t *testing.T) {
	for _, downtime := range []time.Duration{2 * time.Second, 10 * time.Second} {
		t.Run(downtime.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dir := t.TempDir()
				ctx := context.Background()
				start := time.Now()
				s1 := glacier(t, dir)
				if err := s1.Restore(ctx, "k", domain.TierExpedited, 1); err != nil {
					t.Fatal(err)
				}
				s1.tmpLock.Close()
				time.Sleep(downtime)

				s2, err := Open(dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				var got notices
				if err := s2.NotifyRestores(ctx, got.handler(start)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Minute)
				want := fmt.Sprintf("k@+%v", max(downtime, 5*time.Second))
				if got.String() != want {
					t.Errorf("notices %q, want %q", got.String(), want)
				}
				s2.tmpLock.Close()

				s3, err := Open(dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s3.tmpLock.Close()
				var again notices
				if err := s3.NotifyRestores(ctx, again.handler(start)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Minute)
				if again.String() != "" {
					t.Errorf("announced again after a restart: %q", again.String())
				}
			})
		})
	}
}

func TestNoNoticeAfterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := glacier(t, t.TempDir())
		ctx, cancel := context.WithCancel(context.Background())
		var got notices
		if err := s.NotifyRestores(ctx, got.handler(time.Now())); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(ctx, "k", domain.TierStandard, 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		time.Sleep(time.Minute)
		if got.String() != "" {
			t.Errorf("notice after cancel: %q", got.String())
		}
	})
}
