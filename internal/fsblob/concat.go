package fsblob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gasproject/gas/internal/domain"
)

// Concat stores srcs joined in order, then tail, as dst (a STANDARD object)
// without copying their bytes: dst reads its sources' data files, linked
// under new names (copied where the file system has no hard links), then a
// data file of tail. Sources must be readable (GLACIER ones restored). Their
// data files were synced when they were stored; the links and the tail's
// file are made in one data directory, synced once before dst's sidecar is
// committed, so dst is durable once Concat returns however many sources it
// has. It is the sharded workflow's join (tasks.Concatenator), which S3 does
// with UploadPartCopy.
func (s *Store) Concat(ctx context.Context, dst string, srcs []string, tail []byte) error {
	for _, k := range append([]string{dst}, srcs...) {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	tmp, err := s.writeTemp(false, func(f *os.File) error { _, err := io.Copy(f, bytes.NewReader(tail)); return err })
	if err != nil {
		return fmt.Errorf("concat into %q: %w", dst, err)
	}
	tailName := newBlobName()
	if err := s.adopt(tmp, tailName); err != nil {
		return fmt.Errorf("concat into %q: %w", dst, err)
	}
	out := &sidecar{Format: sidecarFormat, Key: dst, Modified: s.now().UTC(), Class: domain.ClassStandard}
	if err := s.concat(ctx, out, srcs, tailName, int64(len(tail))); err != nil {
		s.removeFiles(out, nil)
		os.Remove(s.blobPath(tailName))
		return fmt.Errorf("concat into %q: %w", dst, err)
	}
	return nil
}

// concat links the sources' data files into out, in the tail's data
// directory, syncs that directory and commits out; it holds s.mu, so no
// source changes meanwhile.
func (s *Store) concat(ctx context.Context, out *sidecar, srcs []string, tailName string, tailSize int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	dir := tailName[:2]
	for _, k := range srcs {
		m, err := s.load(k)
		if err != nil {
			return err
		}
		if !m.readable(now) {
			return fmt.Errorf("%q: %w", k, domain.ErrArchived)
		}
		names, err := s.cloneFiles(m, dir)
		out.Parts = append(out.Parts, names...)
		if err != nil {
			return err
		}
		out.Size += m.Size
	}
	out.Parts, out.Size = append(out.Parts, tailName), out.Size+tailSize
	if err := syncDir(s.dataDir(dir)); err != nil {
		return err
	}
	if err := committing(ctx, out.Key); err != nil {
		return err
	}
	return s.replaceLocked(out)
}
