package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
)

// runEngine streams the input blob through the engine into the job's files,
// all at once so memory stays flat whatever the size: the result compressed
// as BGZF (resultKey), its tabix index, and the per-variant index, each
// built from the stream as it passes. A failed Put stores nothing (the
// Blobs contract), so an error leaves no half-written file behind.
func (t *Tasks) runEngine(ctx context.Context, j domain.Job, resultKey string, lim domain.Limits) (Report, error) {
	in, err := t.blobs.Get(ctx, j.InputKey)
	if errors.Is(err, domain.ErrNotFound) {
		return Report{}, fmt.Errorf("%w: the uploaded file is missing (%s)", domain.ErrInvalid, j.InputKey)
	}
	if err != nil {
		return Report{}, fmt.Errorf("read input %s: %w", j.InputKey, err)
	}
	defer in.Close()

	var wg sync.WaitGroup
	resR, resW := io.Pipe() // BGZF bytes -> the result blob
	tbiR, tbiW := io.Pipe() // the same bytes -> the tabix scanner
	idxR, idxW := io.Pipe() // the variant index -> its blob
	var putErr, idxErr, tbiErr error
	var tbi *tabix.Indexer
	wg.Add(3)
	go func() {
		defer wg.Done()
		putErr = t.blobs.Put(ctx, resultKey, resR)
		resR.CloseWithError(errOr(putErr, io.ErrClosedPipe))
	}()
	go func() {
		defer wg.Done()
		tbi, tbiErr = tabix.ScanVCF(tbiR)
		tbiR.CloseWithError(errOr(tbiErr, io.ErrClosedPipe))
	}()
	go func() {
		defer wg.Done()
		idxErr = t.blobs.Put(ctx, domain.VariantsKey(resultKey), idxR)
		idxR.CloseWithError(errOr(idxErr, io.ErrClosedPipe))
	}()

	bgzf := vcf.NewBGZFWriter(io.MultiWriter(resW, tbiW))
	builder := variants.NewBuilder(idxW)
	rep, runErr := t.annotate(ctx, in, io.MultiWriter(bgzf, builder), lim)
	if runErr == nil {
		runErr = bgzf.Close()
	}
	if runErr == nil {
		runErr = builder.Close()
	} else {
		builder.Abort()
	}
	// Readers see EOF only after a complete stream; otherwise the error,
	// and a Put that ends in an error stores nothing.
	resW.CloseWithError(runErr)
	tbiW.CloseWithError(runErr)
	idxW.CloseWithError(runErr)
	wg.Wait()
	switch {
	case runErr != nil && !errors.Is(runErr, io.ErrClosedPipe):
		return Report{}, runErr
	case putErr != nil:
		return Report{}, fmt.Errorf("store result %s: %w", resultKey, putErr)
	case idxErr != nil:
		return Report{}, fmt.Errorf("store variant index: %w", idxErr)
	case tbiErr != nil:
		return Report{}, fmt.Errorf("tabix index of %s: %w", resultKey, tbiErr)
	case runErr != nil:
		return Report{}, runErr
	}
	if err := t.putTabix(ctx, resultKey, tbi); err != nil {
		return Report{}, err
	}
	return rep, nil
}

func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// annotate runs the engine, turning a panic (in a goroutine it would kill
// the process) into an ordinary, retryable error.
func (t *Tasks) annotate(ctx context.Context, in io.Reader, out io.Writer, lim domain.Limits) (rep Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("annotation engine panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return t.annotator.Annotate(ctx, in, out, lim)
}

// putTabix stores the tabix index (.tbi, BGZF-compressed) beside the result.
// A result whose contigs are too long for .tbi gets none: tabix needs CSI there.
func (t *Tasks) putTabix(ctx context.Context, resultKey string, x *tabix.Indexer) error {
	if x.NeedsCSI() {
		return nil
	}
	var buf bytes.Buffer
	zw := vcf.NewBGZFWriter(&buf)
	err := x.WriteTBI(zw)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = t.blobs.Put(ctx, domain.TabixKey(resultKey), &buf)
	}
	if err != nil {
		return fmt.Errorf("store tabix index of %s: %w", resultKey, err)
	}
	return nil
}
