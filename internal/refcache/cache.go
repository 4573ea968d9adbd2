// Package refcache serves the annotation engine from a reference bundle kept
// in an object store, fetching one chromosome's files at a time into a local
// directory whose size is bounded: the AnnotateShard Lambda's /tmp. Nothing
// is fetched until a shard asks for its chromosomes; a warm environment
// reuses what earlier invocations fetched, and the least recently used
// chromosomes are deleted (and released from the bundle) when a new one needs
// the room.
//
//	c := refcache.New(blobs, "bundle/", "/tmp/refdata", 9<<30, annotate.Options{})
//	sum, err := c.Annotate(ctx, []string{"chr1"}, shardVCF, part) // a tasks.Annotator
package refcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
)

// Source is the object store holding the bundle (S3 on AWS).
type Source interface {
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Head(ctx context.Context, key string) (domain.ObjectInfo, error)
}

// Cache is a bundle fetched on demand. It runs one annotation at a time (a
// Lambda environment serves one invocation at a time anyway).
type Cache struct {
	src    Source
	prefix string
	dir    string
	limit  int64
	opts   annotate.Options

	mu     sync.Mutex
	bundle *refdata.Bundle
	engine *annotate.Engine
	man    refdata.Manifest
	held   map[string]int64 // canonical chromosome -> bytes on disk
	order  []string         // held chromosomes, least recently used first
	used   int64
}

// New returns a cache of the bundle under prefix in src, kept in dir (created
// when needed) within limit bytes.
func New(src Source, prefix, dir string, limit int64, opts annotate.Options) *Cache {
	return &Cache{src: src, prefix: prefix, dir: dir, limit: limit, opts: opts, held: map[string]int64{}}
}

// Annotate fetches the files of chroms (those the bundle covers) and runs
// the engine on in within lim.
func (c *Cache) Annotate(ctx context.Context, chroms []string, in io.Reader, out io.Writer, index annotate.IndexSink, lim domain.Limits, run domain.RunOptions) (annotate.Summary, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensure(ctx, chroms); err != nil {
		return annotate.Summary{}, err
	}
	return c.engine.RunJob(ctx, in, out, c.opts, index, lim, run)
}

// Held lists the chromosomes on disk, least recently used first.
func (c *Cache) Held() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

func (c *Cache) ensure(ctx context.Context, chroms []string) error {
	if c.bundle == nil {
		if err := c.fetch(ctx, refdata.ManifestFile); err != nil {
			return err
		}
		b, err := refdata.OpenPartial(c.dir, nil)
		if err != nil {
			return err
		}
		c.bundle, c.engine, c.man = b, annotate.New(b), b.Manifest()
	}
	want := map[string]bool{}
	for _, name := range chroms {
		canon := refdata.CanonicalChrom(name)
		files, ok := c.man.ChromosomeFiles(canon)
		if !ok || want[canon] {
			continue // not covered: its records pass through
		}
		want[canon] = true
		if _, ok := c.held[canon]; ok {
			c.touch(canon)
			continue
		}
		var size int64
		for _, f := range files {
			info, err := c.src.Head(ctx, c.prefix+f)
			if err != nil {
				return fmt.Errorf("reference bundle: chromosome %s: %w", canon, err)
			}
			size += info.Size
		}
		if err := c.makeRoom(size, want); err != nil {
			return fmt.Errorf("reference bundle: chromosome %s: %w", canon, err)
		}
		for _, f := range files {
			if err := c.fetch(ctx, f); err != nil {
				return err
			}
		}
		c.held[canon], c.used = size, c.used+size
		c.order = append(c.order, canon)
	}
	return nil
}

// makeRoom evicts least recently used chromosomes not in keep until size fits.
func (c *Cache) makeRoom(size int64, keep map[string]bool) error {
	for i := 0; c.used+size > c.limit && i < len(c.order); {
		name := c.order[i]
		if keep[name] {
			i++
			continue
		}
		files, _ := c.man.ChromosomeFiles(name)
		for _, f := range files {
			if err := os.Remove(filepath.Join(c.dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("evict %s: %w", name, err)
			}
		}
		c.bundle.Release(name)
		c.used -= c.held[name]
		delete(c.held, name)
		c.order = append(c.order[:i], c.order[i+1:]...)
	}
	if c.used+size > c.limit {
		return fmt.Errorf("needs %d bytes with %d in use by this shard's other chromosomes, over the cache limit of %d bytes", size, c.used, c.limit)
	}
	return nil
}

func (c *Cache) touch(name string) {
	for i, n := range c.order {
		if n == name {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), name)
			return
		}
	}
}

// fetch copies one bundle file to dir (through a temporary name, so a
// crash leaves no partial file under the real one).
func (c *Cache) fetch(ctx context.Context, rel string) error {
	dst := filepath.Join(c.dir, filepath.FromSlash(rel))
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	body, err := c.src.Get(ctx, c.prefix+rel)
	if err != nil {
		return fmt.Errorf("reference bundle: fetch %s: %w", rel, err)
	}
	defer body.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("reference bundle: %w", err)
	}
	tmp := dst + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("reference bundle: %w", err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("reference bundle: fetch %s: %w", rel, err)
	}
	return nil
}
