package tasks

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gasproject/gas/internal/domain"
)

// A job leaves nothing behind: its intermediate files all live under
// WorkPrefix, and are deleted by listing that prefix, so that the shards of
// a Plan that stopped halfway, the parts of shards that ran before another
// one failed, and anything a later version adds there are covered without
// naming them. Merge drops them once the result is complete (dropWork);
// when the job fails, the machine's DropWork state does (DropFailed, after
// MarkFailed and NotifyFailed, so that neither waits for it nor depends on
// it). On AWS a lifecycle rule expires the prefix as a backstop, for what a
// shard still running when its map run failed writes after the drop.

// OutputKeys are the files Merge writes for a job: the result, its tabix and
// variant indexes, and the log. A job that failed in or after Merge's writes
// may have some of them; DropFailed deletes them.
func OutputKeys(j domain.Job) []string {
	return append(domain.ResultFiles(ResultKey(j)), LogKey(j))
}

// dropConcurrency is how many deletes run at once (S3: one request each).
const dropConcurrency = 8

// DropFailed deletes the files of a job that did not complete: everything
// under its work prefix and any output Merge wrote before failing. A job
// that COMPLETED (a step after Merge failed) keeps its result; only work
// files are deleted. A job still PENDING or RUNNING is refused (its files
// are in use). Every key is tried; the error names those that remain.
func (t *Tasks) DropFailed(ctx context.Context, in JobInput) (MergeOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return MergeOutput{}, err
	}
	if !j.Terminal() {
		return MergeOutput{}, fmt.Errorf("drop job %s files: job is %s, not FAILED or COMPLETED: %w", j.ID, j.Status, domain.ErrConflict)
	}
	keys, err := t.blobs.List(ctx, WorkPrefix(j))
	if err != nil {
		return MergeOutput{}, fmt.Errorf("drop job %s files: %w", j.ID, err)
	}
	work := len(keys)
	if j.Status != domain.StatusCompleted {
		keys = append(keys, OutputKeys(j)...)
	}
	if err := t.dropKeys(ctx, keys); err != nil {
		t.cfg.Logger.WarnContext(ctx, "job files left behind", "job", j.ID, "status", j.Status, "err", err)
		return MergeOutput{}, fmt.Errorf("drop job %s files: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job files dropped", "job", j.ID, "status", j.Status, "work_files", work)
	return MergeOutput{JobID: j.ID, Dropped: work}, nil
}

// dropWork deletes a completed job's work files and returns how many.
// Failures are logged only: the result is complete, and the lifecycle rule
// (on AWS) removes what is left.
func (t *Tasks) dropWork(ctx context.Context, j domain.Job) int {
	keys, err := t.blobs.List(ctx, WorkPrefix(j))
	if err == nil {
		err = t.dropKeys(ctx, keys)
	}
	if err != nil {
		t.cfg.Logger.WarnContext(ctx, "job work files left behind", "job", j.ID, "err", err)
		return 0
	}
	return len(keys)
}

// dropKeys deletes keys, dropConcurrency at a time, and goes on past a
// failure: the error joins every key that could not be deleted.
func (t *Tasks) dropKeys(ctx context.Context, keys []string) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, dropConcurrency)
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := t.blobs.Delete(ctx, k); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("delete %s: %w", k, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
