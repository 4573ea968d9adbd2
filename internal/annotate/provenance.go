package annotate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/refdata"
)

// Provenance says what produced an annotation, as VEP's ##VEP header line
// does: GAS's version, the reference bundle and each source it was built
// from. It is written to the header as ##GAS=... and to the summary.
type Provenance struct {
	GASVersion string   `json:"gas_version"`
	BundleID   string   `json:"bundle_id"`
	Assembly   string   `json:"assembly"`
	Built      string   `json:"built"`
	Sources    []Source `json:"sources"`
}

// Source is one input file of the bundle.
type Source struct {
	Kind    string `json:"kind"` // fasta, genes, known, cytoband
	File    string `json:"file"` // file name, without the builder's directory
	SHA256  string `json:"sha256"`
	Release string `json:"release,omitempty"` // release or date named in the file, when known
}

func provenanceOf(m refdata.Manifest) Provenance {
	p := Provenance{GASVersion: Version(), Assembly: m.Assembly, Built: m.Built.UTC().Format(time.RFC3339)}
	h := sha256.New()
	fmt.Fprintf(h, "%d\n%s\n", m.Format, m.Assembly)
	for _, s := range m.Sources {
		fmt.Fprintf(h, "%s %s\n", s.Kind, s.SHA256)
		p.Sources = append(p.Sources, Source{Kind: s.Kind, File: s.Name(), SHA256: s.SHA256, Release: s.Release})
	}
	// The id names the content: the same sources and format give the same
	// id, whenever and wherever the bundle was built.
	p.BundleID = m.Assembly + "-" + hex.EncodeToString(h.Sum(nil))[:12]
	return p
}

// headerLine is the ##GAS line: one key per source kind, several files of a
// kind joined by ", ", each "name sha256:HEX" plus its release.
func (p Provenance) headerLine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "##GAS=%q bundle=%q assembly=%q built=%q", p.GASVersion, p.BundleID, p.Assembly, p.Built)
	var kinds []string
	byKind := map[string][]string{}
	for _, s := range p.Sources {
		d := s.File + " sha256:" + s.SHA256
		if s.Release != "" {
			d += " (" + s.Release + ")"
		}
		if _, ok := byKind[s.Kind]; !ok {
			kinds = append(kinds, s.Kind)
		}
		byKind[s.Kind] = append(byKind[s.Kind], d)
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s=%q", k, strings.Join(byKind[k], ", "))
	}
	return b.String()
}

// version may be set at link time:
// go build -ldflags "-X github.com/gasproject/gas/internal/annotate.version=v1.2.0".
var version string

// Version is GAS's version: the one set at link time, else the module
// version of a released build, else the VCS revision it was built from
// (with "+dirty" for uncommitted changes), else "devel".
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}
