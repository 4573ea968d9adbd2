package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
)

// EngineAnnotator adapts the annotation engine to Annotator: the summary becomes the
// job's JSON (for the charts) and its text form the log. The engine's input
// errors already match domain.ErrInvalid, which Annotate turns into the
// permanent InvalidInputError.
type EngineAnnotator struct {
	Engine  *annotate.Engine
	Options annotate.Options
}

var _ Annotator = EngineAnnotator{}

// Annotate runs the engine once.
func (e EngineAnnotator) Annotate(ctx context.Context, in io.Reader, out io.Writer, lim domain.Limits) (Report, error) {
	opts := e.Options
	opts.Limits = lim
	sum, err := e.Engine.Run(ctx, in, out, opts)
	if err != nil {
		return Report{}, err
	}
	js, err := json.Marshal(sum)
	if err != nil {
		return Report{}, fmt.Errorf("encode summary: %w", err)
	}
	var log bytes.Buffer
	if err := sum.WriteText(&log); err != nil {
		return Report{}, fmt.Errorf("write log: %w", err)
	}
	return Report{Summary: js, Log: log.Bytes()}, nil
}
