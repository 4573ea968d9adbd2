package fsblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// TestConcat: a joined object reads its sources in order and then the tail,
// keeps its bytes when the sources go, is copied, archived, restored and
// joined again like any other, and leaves no data file behind once deleted.
func TestConcat(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, clock := newTestStore(t, root)
	write(t, s, "work/a", "AAA")
	write(t, s, "work/b", "")
	write(t, s, "work/c", "CC")
	if err := s.Concat(ctx, "res/joined", []string{"work/a", "work/b", "work/c"}, []byte("<eof>")); err != nil {
		t.Fatal(err)
	}
	if err := s.Concat(ctx, "res/twice", []string{"res/joined", "work/a"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"work/a", "work/b", "work/c"} {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"res/joined": "AAACC<eof>", "res/twice": "AAACC<eof>AAA"}
	for k, body := range want {
		if got := read(t, s, k); got != body {
			t.Errorf("%s = %q, want %q", k, got, body)
		}
		if info, err := s.Head(ctx, k); err != nil || info.Size != int64(len(body)) {
			t.Errorf("%s: Head %+v, %v; want size %d", k, info, err, len(body))
		}
	}
	// A range across the files where the sources meet.
	if rc, err := s.GetRange(ctx, "res/twice", 2, 8); err != nil {
		t.Error(err)
	} else if got, err := io.ReadAll(rc); err != nil || string(got) != "ACC<eof>" {
		t.Errorf("GetRange across parts = %q, %v", got, err)
	} else {
		rc.Close()
	}

	if err := s.Copy(ctx, "res/joined", "archive/joined", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	if err := s.Concat(ctx, "res/bad", []string{"res/twice", "archive/joined"}, nil); !errors.Is(err, domain.ErrArchived) {
		t.Errorf("Concat of an archived source: %v, want ErrArchived", err)
	}
	if err := s.Concat(ctx, "res/bad", []string{"res/twice", "work/a"}, nil); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Concat of a missing source: %v, want ErrNotFound", err)
	}
	if _, err := s.Head(ctx, "res/bad"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a failed Concat stored res/bad: %v", err)
	}
	if err := s.Restore(ctx, "archive/joined", domain.TierExpedited, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(DefaultRestoreDelays[domain.TierExpedited])
	s2, err := Open(root, Options{Now: clock.Now}) // sidecars with parts read back
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, s2, "archive/joined"); got != want["res/joined"] {
		t.Errorf("restored copy = %q", got)
	}
	write(t, s2, "res/twice", "new") // replacing drops the old parts
	for _, k := range []string{"res/joined", "res/twice", "archive/joined"} {
		if err := s2.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if n := countFiles(t, root); n != 0 {
		t.Errorf("%d files left after deleting everything", n)
	}
}

// TestConcatReadAt: a joined object reads at any offset and length across
// its data files (empty ones included), as the variant index reader does.
func TestConcatReadAt(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t, t.TempDir())
	write(t, s, "work/a", "AAA")
	write(t, s, "work/b", "")
	write(t, s, "work/c", "CCCC")
	if err := s.Concat(ctx, "res/joined", []string{"work/a", "work/b", "work/c"}, []byte("<eof>")); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(ctx, "res/joined")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r, ok := rc.(interface {
		io.ReaderAt
		Size() int64
	})
	if !ok {
		t.Fatalf("Get of a joined object gives %T, which has no ReadAt and Size", rc)
	}
	const body = "AAACCCC<eof>"
	if r.Size() != int64(len(body)) {
		t.Fatalf("Size %d, want %d", r.Size(), len(body))
	}
	for off := 0; off <= len(body); off++ {
		for n := 0; off+n <= len(body)+2; n++ {
			p := make([]byte, n)
			k, err := r.ReadAt(p, int64(off))
			want := body[off:min(off+n, len(body))]
			if string(p[:k]) != want || (off+n > len(body)) != (err == io.EOF) || err != nil && err != io.EOF {
				t.Fatalf("ReadAt(%d bytes, %d) = %q, %v; want %q", n, off, p[:k], err, want)
			}
		}
	}
}

// TestJoinedFilesShareADirectory: the files a Concat or a Copy links (and
// a Concat's tail) are made in one data directory, so that one sync of it
// makes them all durable, however many sources there are; their bytes are
// the sources'.
func TestJoinedFilesShareADirectory(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t, t.TempDir())
	var srcs []string
	var want strings.Builder
	for i := range 24 {
		k := fmt.Sprintf("work/part-%02d", i)
		write(t, s, k, k)
		srcs = append(srcs, k)
		want.WriteString(k)
	}
	if err := s.Concat(ctx, "res/joined", srcs, []byte("<eof>")); err != nil {
		t.Fatal(err)
	}
	if err := s.Copy(ctx, "res/joined", "archive/joined", domain.ClassGlacier); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"res/joined", "archive/joined"} {
		m, err := s.load(k)
		if err != nil {
			t.Fatal(err)
		}
		dirs := map[string]bool{}
		for _, name := range m.files() {
			dirs[name[:2]] = true
		}
		if len(m.files()) != 25 || len(dirs) != 1 {
			t.Errorf("%s: %d data files in %d directories, want 25 in 1", k, len(m.files()), len(dirs))
		}
	}
	if got := read(t, s, "res/joined"); got != want.String()+"<eof>" {
		t.Errorf("joined = %q", got)
	}
	// Open made every data directory, so a write syncs only its own.
	entries, err := os.ReadDir(filepath.Join(s.root, "data"))
	if err != nil || len(entries) != 256 {
		t.Errorf("data/ holds %d entries (%v), want the 256 directories 00 to ff", len(entries), err)
	}
}
