package service

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

// Uploaded files: where they are stored, what their names may hold, and the
// check that they are VCFs. The portal, the JSON API and direct uploads all
// come through here, so each rule has one home.

// InputPrefix is where the input of job jobID of user userID is stored:
// inputs/<user>/<job>/, the file's name completing the key (InputKey, or the
// browser's name for a direct upload).
func InputPrefix(userID, jobID string) string {
	return domain.InputsPrefix + userID + "/" + jobID + "/"
}

// InputKey is where a job's uploaded VCF lives: InputPrefix and the file
// name as CleanFileName gives it, reduced to ASCII letters, digits, '.', '-'
// and '_' (so "my sample.vcf" is stored as ".../my_sample.vcf").
func InputKey(userID, jobID, fileName string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, CleanFileName(fileName))
	return InputPrefix(userID, jobID) + strings.TrimLeft(name, ".")
}

// maxNameRunes bounds a file name as shown and sent back in Content-Disposition.
const maxNameRunes = 200

// CleanFileName reduces a file name a user gave to a harmless base name for
// display, Content-Disposition and storage keys: valid UTF-8; no directory
// part (/ and \); control characters (NUL included), invisible format
// characters (bidi overrides such as U+202E, zero-width marks: a name cannot
// pretend to end in another extension) and '"' become '_'; spaces trimmed; at most 200 characters; "upload.vcf" when nothing is left.
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		// Cf: format characters, such as right-to-left overrides that make
		// "gpj.vcf" display as "fcv.jpg", and zero-width ones.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '/' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for utf8.RuneCountInString(name) > maxNameRunes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "upload.vcf"
	}
	return name
}

// CheckVCF checks, without consuming it, that body starts like a VCF by the
// engine's own rules (vcf.Sniff: plain, gzip or BGZF; a UTF-8 BOM skipped;
// ##fileformat=VCF or #CHROM first), and returns a reader of the whole
// stream. A file that is not a VCF is a user-facing domain.ErrInvalid naming
// it; an error reading body (a cap) is returned as it is.
func CheckVCF(name string, body io.Reader) (io.Reader, error) {
	r, err := vcf.Sniff(body)
	var pe *vcf.ParseError
	if errors.As(err, &pe) {
		return nil, domain.UserErrorf(domain.ErrInvalid, "%s: %v", name, pe)
	}
	if err != nil {
		return nil, fmt.Errorf("read the start of %s: %w", name, err)
	}
	return r, nil
}
