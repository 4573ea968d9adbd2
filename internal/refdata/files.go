package refdata

import (
	"fmt"
	"os"
	"path/filepath"
)

// ChromosomeFiles lists the files, relative to the bundle directory, that
// chromosome name (any alias) needs: what one shard of the sharded workflow
// fetches besides ManifestFile. ok is false when the bundle does not cover
// name. This is the one place that knows the per-chromosome layout for
// callers that copy parts of a bundle.
func (m Manifest) ChromosomeFiles(name string) (files []string, ok bool) {
	canon := CanonicalChrom(name)
	for _, c := range m.Chroms {
		if c.Name != canon {
			continue
		}
		for _, f := range []string{c.Files.Meta, c.Files.Seq, c.Files.Transcripts, c.Files.Known} {
			if f != "" {
				files = append(files, f)
			}
		}
		return files, true
	}
	return nil, false
}

// ReadManifest reads a bundle's manifest without checking its chromosome
// files, for callers that fetch a bundle one chromosome at a time.
func ReadManifest(dir string) (Manifest, error) {
	m, err := readManifestOnly(dir)
	if err != nil {
		return m, fmt.Errorf("read reference manifest %s: %w", dir, err)
	}
	return m, nil
}

// OpenPartial opens a bundle directory that holds the manifest and the files
// of only some chromosomes (ChromosomeFiles of each of chroms). Those are
// checked; using another chromosome of the manifest fails when it is loaded.
func OpenPartial(dir string, chroms []string) (*Bundle, error) {
	m, err := readManifestOnly(dir)
	if err != nil {
		return nil, fmt.Errorf("open reference bundle %s: %w", dir, err)
	}
	for _, c := range chroms {
		files, ok := m.ChromosomeFiles(c)
		if !ok {
			continue // not covered: its records pass through
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return nil, fmt.Errorf("open reference bundle %s: chromosome %s: %w", dir, c, err)
			}
		}
	}
	return newBundle(dir, m), nil
}
