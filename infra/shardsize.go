package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gasproject/gas/internal/refdata"
)

// Sizing AnnotateShard. A shard fetches its chromosomes' bundle files into
// /tmp (internal/refcache) and nothing else: the shard VCF and its part
// stream from and to S3. So /tmp must hold the largest chromosome's files
// plus a margin; memory holds the engine's working set for one chromosome:
// its transcripts (decoded), the known-variant block cache (~30 MB), the
// batches in flight, and the pages of the memory-mapped sequence it touches.
const (
	defaultShardTmpMB    = 4096 // a chr1 of a full-dbSNP bundle is ~1.5 GB (README arithmetic)
	defaultShardMemoryMB = 1769 // one full vCPU
	tmpMarginMB          = 512  // the manifest, a second chromosome of a mixed shard, temporary files
)

// shardSizing is the AnnotateShard Lambda's /tmp and memory, and the bytes of
// /tmp its cache may fill.
type shardSizing struct {
	tmpMB, memoryMB int64
	cacheBytes      int64
}

// sizeShards applies the operator's values, else derives /tmp from the
// largest chromosome of BundleDir, else the defaults.
func sizeShards(c Config) (shardSizing, error) {
	s := shardSizing{tmpMB: c.ShardTmpMB, memoryMB: c.ShardMemoryMB}
	if s.tmpMB == 0 && c.BundleDir != "" {
		largest, err := largestChromosomeBytes(c.BundleDir)
		if err != nil {
			return s, fmt.Errorf("context %s: %w", ctxBundleDir, err)
		}
		s.tmpMB = min(10240, max(512, (largest>>20)*5/4+tmpMarginMB))
		if (largest>>20)+tmpMarginMB > 10240 {
			return s, fmt.Errorf("context %s: the largest chromosome needs %d MB, over Lambda's 10240 MB of /tmp", ctxBundleDir, largest>>20)
		}
	}
	if s.tmpMB == 0 {
		s.tmpMB = defaultShardTmpMB
	}
	if s.memoryMB == 0 {
		s.memoryMB = defaultShardMemoryMB
	}
	s.cacheBytes = (s.tmpMB - tmpMarginMB/2) << 20
	return s, nil
}

// largestChromosomeBytes sums each chromosome's bundle files and returns the largest sum.
func largestChromosomeBytes(dir string) (int64, error) {
	m, err := refdata.ReadManifest(dir)
	if err != nil {
		return 0, err
	}
	var largest int64
	for _, c := range m.Chroms {
		files, _ := m.ChromosomeFiles(c.Name)
		var n int64
		for _, f := range files {
			info, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				return 0, err
			}
			n += info.Size()
		}
		largest = max(largest, n)
	}
	return largest, nil
}
