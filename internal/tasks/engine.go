package tasks

import (
	"context"
	"io"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
)

// EngineAnnotator adapts the annotation engine over a whole local bundle to
// Annotator (chroms are not needed: the bundle loads chromosomes on first
// use). The engine's input errors already match domain.ErrInvalid, which
// AnnotateShard turns into the permanent InvalidInputError.
type EngineAnnotator struct {
	Engine  *annotate.Engine
	Options annotate.Options
}

var _ Annotator = EngineAnnotator{}

// Annotate runs the engine once.
func (e EngineAnnotator) Annotate(ctx context.Context, _ []string, in io.Reader, out io.Writer, index annotate.IndexSink, lim domain.Limits, run domain.RunOptions) (annotate.Summary, error) {
	return e.Engine.RunJob(ctx, in, out, e.Options, index, lim, run)
}
