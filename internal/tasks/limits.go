package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/gasproject/gas/internal/domain"
)

// Limits in the sharded workflow: Plan reads the whole input, so it enforces
// the input's limits (decompressed bytes, header, line length, records,
// distinct contigs) with the input's line numbers; each AnnotateShard runs
// the engine within the same limits (ALT alleles, output bytes of its part)
// and its own JobTime deadline. A limit reached is a permanent failure.

// roleOf is the tier whose limits apply to userID's jobs: the one in effect
// when the step runs. A deleted profile gets the free tier's.
func (t *Tasks) roleOf(ctx context.Context, userID string) (domain.Role, error) {
	p, err := t.profiles.Get(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.RoleFree, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the owner's tier: %w", err)
	}
	return p.Role, nil
}

// limitsOf returns the owner's tier and its limits.
func (t *Tasks) limitsOf(ctx context.Context, j domain.Job) (domain.Role, domain.Limits, error) {
	role, err := t.roleOf(ctx, j.UserID)
	if err != nil {
		return "", domain.Limits{}, fmt.Errorf("job %s: %w", j.ID, err)
	}
	return role, t.cfg.Limits(role), nil
}

// withJobTime bounds ctx by lim.JobTime; the deadline's cause is the limit.
func withJobTime(ctx context.Context, lim domain.Limits) (context.Context, context.CancelFunc) {
	if lim.JobTime <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, lim.JobTime,
		&domain.LimitError{Name: domain.LimitJobTime, Max: int64(lim.JobTime.Seconds())})
}

// limitReached returns the LimitError behind err (a limit the reader or the
// engine reached, or the job time that ended ctx), shifted by lineDelta and
// naming role; nil when err is not a limit.
func limitReached(ctx context.Context, err error, role domain.Role, lineDelta int) *domain.LimitError {
	var le *domain.LimitError
	if !errors.As(err, &le) {
		if ctx.Err() == nil || !errors.As(context.Cause(ctx), &le) {
			return nil
		}
	}
	out := le.WithRole(role)
	if out.Line > 0 {
		out.Line += lineDelta
	}
	return out
}
