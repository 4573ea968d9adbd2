package refdata

import (
	"io"
	"regexp"
	"strings"
)

// sniffLimit is how much of a source's (decompressed) start is kept to find
// its release or date.
const sniffLimit = 64 << 10

// headSniffer passes reads through and keeps the first sniffLimit bytes.
type headSniffer struct {
	r    io.Reader
	head []byte
}

func (s *headSniffer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if room := sniffLimit - len(s.head); room > 0 {
		s.head = append(s.head, p[:min(n, room)]...)
	}
	return n, err
}

var (
	reDbSNP    = regexp.MustCompile(`(?i)dbSNP[ _-]?(?:build[ _-]?)?(\d{2,3})\b`)
	reAccesion = regexp.MustCompile(`^[A-Z]{2}_\d+\.\d+$`)
	reAssembly = regexp.MustCompile(`chromosome:([A-Za-z0-9.]+):`)
)

// releaseOf finds the release or date a source names in its header lines,
// "" when it names none: Ensembl GTF/GFF3 "#!genome-build" and
// "#!genebuild-last-updated", GENCODE "##description" and "##date", a
// known-variants VCF's dbSNP build and ##fileDate, a FASTA's accession
// (NC_012920.1) or Ensembl assembly (chromosome:GRCh38:...).
func releaseOf(kind string, head []byte) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !contains(parts, s) {
			parts = append(parts, s)
		}
	}
	for _, l := range strings.Split(string(head), "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case kind == "fasta" && strings.HasPrefix(l, ">"):
			_, desc, _ := strings.Cut(l, " ")
			if f := strings.Fields(desc); len(f) > 0 && reAccesion.MatchString(f[0]) {
				add(f[0])
			}
			if m := reAssembly.FindStringSubmatch(desc); m != nil {
				add(m[1])
			}
			return strings.Join(parts, ", ") // one header line per FASTA record: the first says it
		case !strings.HasPrefix(l, "#"):
			return strings.Join(parts, ", ") // the header lines are over
		case strings.HasPrefix(l, "#!genome-build"), strings.HasPrefix(l, "#!genome-version"):
			add(strings.TrimSpace(l[strings.IndexByte(l, ' ')+1:]))
		case strings.HasPrefix(l, "#!genebuild-last-updated"):
			add("genebuild " + strings.TrimSpace(strings.TrimPrefix(l, "#!genebuild-last-updated")))
		case strings.HasPrefix(l, "##description:") && strings.Contains(l, "version"):
			add(strings.TrimSpace(strings.TrimPrefix(l, "##description:")))
		case strings.HasPrefix(l, "##date:"):
			add(strings.TrimSpace(strings.TrimPrefix(l, "##date:")))
		case strings.HasPrefix(l, "##fileDate="):
			add("date " + strings.TrimPrefix(l, "##fileDate="))
		case strings.HasPrefix(l, "##dbSNP_BUILD_ID="):
			add("dbSNP " + strings.TrimPrefix(l, "##dbSNP_BUILD_ID="))
		case kind == "known" && reDbSNP.MatchString(l):
			add("dbSNP " + reDbSNP.FindStringSubmatch(l)[1])
		}
	}
	return strings.Join(parts, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fileName is a source's file name without its directory (the path is the
// builder's, the name is what a user recognises).
func fileName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
