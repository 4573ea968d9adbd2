package service

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/variants"
)

// Result download formats. The result is stored as BGZF: vcf.gz and tbi are
// served as stored, vcf and tsv are made from it on the fly.
const (
	FormatVCF   = "vcf"
	FormatVCFGz = "vcf.gz"
	FormatTabix = "tbi"
	FormatTSV   = "tsv"
)

// ResultFormats lists the formats, the default first.
var ResultFormats = []string{FormatVCF, FormatVCFGz, FormatTabix, FormatTSV}

// ResultFile is one download of a job's result.
type ResultFile struct {
	Job         domain.Job
	Key         string // the stored object it is made from
	Suffix      string // appended to the input's stem for the file name, e.g. ".annotated.vcf.gz"
	ContentType string
	// AsStored is true when the download is the stored object's bytes, so a
	// presigned link of Key serves it.
	AsStored bool
}

// FileName is the name a browser saves the download under: the input's
// name without its extension, then Suffix.
func (f ResultFile) FileName() string { return stem(CleanFileName(f.Job.InputName)) + f.Suffix }

// ResultFile checks that the viewer may download the job's result now (the
// rule of JobFileKey) in format ("" is vcf) and says where it comes from.
func (s *Service) ResultFile(ctx context.Context, viewer domain.Profile, jobID, format string) (ResultFile, error) {
	j, err := s.Job(ctx, viewer, jobID)
	if err != nil {
		return ResultFile{}, err
	}
	return resultFile(j, format)
}

// resultFile is ResultFile's rule without the access check.
func resultFile(j domain.Job, format string) (ResultFile, error) {
	if format == "" {
		format = FormatVCF
	}
	if !slices.Contains(ResultFormats, format) { // before the job's state: a bad request is a 400 in any state
		return ResultFile{}, domain.UserErrorf(domain.ErrInvalid, "format %q is not one of %s", format, strings.Join(ResultFormats, ", "))
	}
	key, err := fileKey(j, FileResult)
	if err != nil {
		return ResultFile{}, err
	}
	compressed := strings.HasSuffix(key, ".gz")
	f := ResultFile{Job: j, Key: key, Suffix: ".annotated." + format}
	switch format {
	case FormatVCF:
		f.ContentType, f.AsStored = "text/plain; charset=utf-8", !compressed
	case FormatTSV:
		f.ContentType = "text/tab-separated-values; charset=utf-8"
	case FormatVCFGz, FormatTabix:
		if !compressed {
			return ResultFile{}, domain.UserErrorf(domain.ErrNotFound,
				"job %s was annotated before results were stored compressed: only vcf and tsv are available (re-run it for the others)", j.ID)
		}
		f.ContentType, f.AsStored = "application/gzip", true
		if format == FormatTabix {
			f.Key, f.Suffix, f.ContentType = domain.TabixKey(key), ".annotated.vcf.gz.tbi", "application/octet-stream"
		}
	}
	return f, nil
}

// OpenResult opens the job's result in format for the viewer (ResultFile's rules).
func (s *Service) OpenResult(ctx context.Context, viewer domain.Profile, jobID, format string) (io.ReadCloser, ResultFile, error) {
	f, err := s.ResultFile(ctx, viewer, jobID, format)
	if err != nil {
		return nil, f, err
	}
	rc, err := s.openResult(ctx, f, format)
	return rc, f, err
}

// openResult opens f in format ("" is vcf).
func (s *Service) openResult(ctx context.Context, f ResultFile, format string) (io.ReadCloser, error) {
	rc, err := s.ports.Blobs.Get(ctx, f.Key)
	switch {
	case errors.Is(err, domain.ErrNotFound) && f.Key != f.Job.ResultKey:
		return nil, domain.UserErrorf(domain.ErrNotFound, "job %s has no %s file (a chromosome too long for .tbi, or a job from before it existed)", f.Job.ID, format)
	case errors.Is(err, domain.ErrArchived):
		return nil, domain.UserErrorf(domain.ErrArchived, "the result of job %s is archived; upgrade to premium to restore it", f.Job.ID)
	case err != nil:
		return nil, fmt.Errorf("open %s of job %s: %w", f.Key, f.Job.ID, err)
	}
	if f.AsStored {
		return rc, nil
	}
	var plain io.Reader = rc
	if strings.HasSuffix(f.Key, ".gz") {
		zr, err := gzip.NewReader(rc) // multistream: reads every BGZF block
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read result of job %s: %w", f.Job.ID, err)
		}
		plain = zr
	}
	if format == FormatTSV {
		return pipeThrough(rc, func(w io.Writer) error { return variants.SplitTSV(w, plain) }), nil
	}
	return readCloser{plain, rc}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// pipeThrough runs write in a goroutine and returns what it writes; closing
// the result stops write (its next write fails) and closes src.
func pipeThrough(src io.Closer, write func(io.Writer) error) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		err := write(pw)
		src.Close()
		pw.CloseWithError(err)
	}()
	return pr
}
