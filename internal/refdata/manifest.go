package refdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FormatVersion is the bundle layout this package writes and reads. Bump it on
// any incompatible change; Open refuses other versions with a clear message.
const FormatVersion = 2

// ManifestFile is the name of the manifest inside a bundle directory.
const ManifestFile = "manifest.json"

// Manifest describes a bundle: what it was built from and what it holds.
type Manifest struct {
	Format   int          `json:"format"`
	Assembly string       `json:"assembly"`
	Built    time.Time    `json:"built"`
	Sources  []Source     `json:"sources"`
	Counts   Counts       `json:"counts"`
	Chroms   []ChromEntry `json:"chromosomes"`
}

// Source is one input file of the build.
type Source struct {
	Kind   string `json:"kind"` // fasta, genes, known, cytoband
	Path   string `json:"path"` // as given to the builder
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Release is the release or date the file's header names (Ensembl
	// genome build, GENCODE version, dbSNP build, FASTA accession), "" when
	// it names none.
	Release string `json:"release,omitempty"`
}

// Name is the source's file name, without the builder's directory.
func (s Source) Name() string { return fileName(s.Path) }

// Counts are bundle-wide totals. Skipped* count input records on chromosomes
// that no FASTA provides (they cannot be annotated against a sequence).
type Counts struct {
	Chromosomes        int `json:"chromosomes"`
	Genes              int `json:"genes"`
	Transcripts        int `json:"transcripts"`
	KnownVariants      int `json:"known_variants"`
	Bands              int `json:"bands"`
	StoredBases        int `json:"stored_bases"`
	SkippedTranscripts int `json:"skipped_transcripts,omitempty"`
	SkippedKnown       int `json:"skipped_known_variants,omitempty"`
	SkippedBands       int `json:"skipped_bands,omitempty"`
}

// ChromEntry is one chromosome of the bundle and its files (relative paths).
type ChromEntry struct {
	Name          string     `json:"name"`
	Length        int        `json:"length"`
	StoredBases   int        `json:"stored_bases"` // bases outside runs of 1000 or more N
	Genes         int        `json:"genes"`
	Transcripts   int        `json:"transcripts"`
	KnownVariants int        `json:"known_variants"`
	Bands         int        `json:"bands"`
	Files         ChromFiles `json:"files"`
}

// ChromFiles are a chromosome's files, relative to the bundle directory.
// Transcripts and Known are "" when the chromosome has none.
type ChromFiles struct {
	Meta        string `json:"meta"`
	Seq         string `json:"seq"`
	Transcripts string `json:"transcripts,omitempty"`
	Known       string `json:"known,omitempty"`
}

// ErrNotBundle is returned (wrapped) by Open for a directory that is not a
// bundle this version can read.
var ErrNotBundle = errors.New("not a GAS reference bundle")

func readManifest(dir string) (Manifest, error) {
	m, err := readManifestOnly(dir)
	if err != nil {
		return m, err
	}
	for _, c := range m.Chroms {
		for _, f := range []string{c.Files.Meta, c.Files.Seq, c.Files.Transcripts, c.Files.Known} {
			if f == "" {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return m, fmt.Errorf("%w: chromosome %s: %v", ErrNotBundle, c.Name, err)
			}
		}
	}
	return m, nil
}

// readManifestOnly reads and checks the manifest, not the files it names.
func readManifestOnly(dir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return m, fmt.Errorf("%w: %s has no %s (build one with 'gas refdata build')", ErrNotBundle, dir, ManifestFile)
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrNotBundle, ManifestFile, err)
	}
	if m.Format != FormatVersion {
		return m, fmt.Errorf("%w: %s is bundle format %d, this gas reads format %d: rebuild it from the same sources with\n  %s",
			ErrNotBundle, dir, m.Format, FormatVersion, rebuildCommand(dir, m))
	}
	return m, nil
}

// rebuildCommand is the `gas refdata build` command line that rebuilds an
// old bundle from the sources its manifest lists.
func rebuildCommand(dir string, m Manifest) string {
	args := []string{"gas refdata build -o", shellQuote(dir)}
	if m.Assembly != "" {
		args = append(args, "--assembly", shellQuote(m.Assembly))
	}
	for _, s := range m.Sources {
		args = append(args, "--"+s.Kind, shellQuote(s.Path))
	}
	if len(m.Sources) == 0 {
		args = append(args, "--fasta F [--genes G] [--known V] [--cytoband C]")
	}
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
