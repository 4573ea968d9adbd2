package s3blob

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DownloadDir copies every object under prefix into dir (keys relative to
// prefix become paths), for the annotate Lambda's reference bundle in /tmp.
// It writes into a sibling temporary directory and renames it into place, so
// dir either holds the complete copy or does not exist; an existing dir is
// taken as complete and left alone (a warm Lambda reuses it).
func (s *Store) DownloadDir(ctx context.Context, prefix, dir string) (files int, err error) {
	if _, err := os.Stat(dir); err == nil {
		return 0, nil
	}
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, fmt.Errorf("download s3://%s/%s: %w", s.bucket, prefix, err)
	}
	defer os.RemoveAll(tmp)
	keys, err := s.List(ctx, prefix)
	if err != nil {
		return 0, err
	}
	for _, key := range keys {
		rel := strings.TrimPrefix(key, prefix)
		if rel == "" || strings.HasSuffix(rel, "/") {
			continue // the prefix itself, or a "folder" marker
		}
		if checkKey(rel) != nil {
			return files, fmt.Errorf("download s3://%s/%s: key %q would leave %s", s.bucket, prefix, rel, dir)
		}
		if err := s.downloadFile(ctx, key, filepath.Join(tmp, filepath.FromSlash(rel))); err != nil {
			return files, err
		}
		files++
	}
	if files == 0 {
		return 0, fmt.Errorf("download s3://%s/%s: no objects under that prefix", s.bucket, prefix)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return files, fmt.Errorf("download s3://%s/%s: %w", s.bucket, prefix, err)
	}
	return files, nil
}

func (s *Store) downloadFile(ctx context.Context, key, path string) error {
	body, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("download %s: %w", key, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("download %s: %w", key, err)
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return fmt.Errorf("download s3://%s/%s: %w", s.bucket, key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("download %s: %w", key, err)
	}
	return nil
}

// UploadDir copies every file under dir to prefix + its slash-separated
// relative path (for `gas refdata upload`: the bundle into the refdata
// bucket). Each file is streamed; nothing is deleted at the destination.
func (s *Store) UploadDir(ctx context.Context, dir, prefix string) (files int, err error) {
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("upload %s: not a regular file", path)
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("upload %s: %w", path, err)
		}
		defer f.Close()
		if err := s.Put(ctx, prefix+filepath.ToSlash(rel), f); err != nil {
			return err
		}
		files++
		return nil
	})
	if err != nil {
		return files, fmt.Errorf("upload %s to s3://%s/%s: %w", dir, s.bucket, prefix, err)
	}
	return files, nil
}
