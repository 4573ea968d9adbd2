// Package asl runs Amazon States Language (JSONPath) state machines on one
// machine: the same definitions that run on AWS Step Functions, with Task
// states mapped to in-process Go handlers and every execution persisted
// through a Store, so that a restart resumes it where it stood.
//
// # Use
//
//	m, err := asl.Load(def)                     // def from statemachines.LocalDefinition
//	r, err := asl.NewRunner(asl.Config{Store: s, Machines: map[string]*asl.Machine{"annotation": m},
//		Handlers: map[string]asl.Handler{"annotate": annotate, ...}})
//	err = r.Resume(ctx)                         // at start-up: continue unfinished executions
//	id, err := r.Start(ctx, "annotation", jobID, input)
//	exec, err := r.Wait(ctx, id)                // tests and tools; Describe, History, List too
//	r.Close()                                   // at shutdown
//
// Runner implements domain.Workflow. Executions are named; the id is
// ExecutionID(machine, name), shaped like an AWS execution ARN. A second
// Start with the same name and equal input returns the same id and runs
// nothing; another input is domain.ErrConflict.
//
// # What Load accepts
//
// Top level: Comment, StartAt, States, Version, QueryLanguage "JSONPath".
// States: Task, Pass, Wait (Seconds, SecondsPath, Timestamp, TimestampPath),
// Choice (every comparator with its ...Path form, And, Or, Not, IsPresent,
// IsNull, IsNumeric, IsString, IsBoolean, IsTimestamp, StringMatches),
// Succeed, Fail (Error/Cause or ErrorPath/CausePath) and inline Map
// (ItemsPath, ItemSelector or Parameters, ItemProcessor or Iterator,
// MaxConcurrency), and Distributed Map (dmap.go). Task resources:
// "arn:aws:states:::lambda:invoke" and its callback form
// "...lambda:invoke.waitForTaskToken" (callback.go), with a static
// Parameters.FunctionName and Payload (or Payload.$); TimeoutSeconds or
// TimeoutSecondsPath, and HeartbeatSeconds on a callback task. Paths: $ and $$
// (context object) with .field, ['field'], [n] and [*]. Intrinsics:
// States.Format, StringToJson, JsonToString, Array, ArrayLength,
// ArrayGetItem, MathAdd, UUID. Anything else — Parallel,
// JSONata, HeartbeatSecondsPath, a top-level TimeoutSeconds, unknown fields,
// dangling or missing transitions, unreachable states, States.ALL not alone in
// the last retrier or catcher — is a *LoadError naming the state and field.
//
// # Semantics, as on AWS
//
//   - Path processing: InputPath, Parameters, the task, ResultSelector,
//     ResultPath, OutputPath. A missing path is States.Runtime (which no
//     Retry or Catch handles); a ResultPath that cannot apply is
//     States.ResultPathMatchFailure. Inputs and outputs over 256 KiB are
//     States.DataLimitExceeded.
//   - The lambda:invoke result is {"ExecutedVersion", "Payload", "StatusCode": 200},
//     so ResultSelector {"x.$": "$.Payload.x"} works unchanged.
//   - A handler error is named by its Go type, as aws-lambda-go reports it
//     ("errorString", "wrapError", or the Namer interface's ErrorName), with
//     Cause {"errorMessage", "errorType"}. A panic is recovered and named by the
//     panic value's type ("string", "plainError", ...), as aws-lambda-go does
//     before the runtime exits. TimeoutSeconds cancels the handler's context and
//     raises States.Timeout (a handler that ignores its context is abandoned).
//   - Retry: the first retrier whose ErrorEquals matches decides; the n-th
//     retry waits IntervalSeconds*BackoffRate^(n-1), capped by MaxDelaySeconds,
//     times a random factor in [0, 1) with JitterStrategy FULL; once its
//     MaxAttempts are used the error goes to Catch. States.TaskFailed matches
//     every task error except States.Timeout. Counters reset when a state is
//     entered again.
//   - Map: iterations run concurrently up to MaxConcurrency; the first
//     uncaught failure fails the Map and aborts the rest.
//   - A callback task passes $$.Task.Token to its handler and waits for
//     Runner.SendTaskSuccess (its output is the result), SendTaskFailure
//     (an error for Retry and Catch) or the timeouts: States.Timeout,
//     States.HeartbeatTimeout (SendTaskHeartbeat restarts that clock).
//
// # Durability
//
// Every step saves the new events and a checkpoint (where each thread stands:
// the state, its raw input, retry counters, a Wait's absolute deadline,
// finished Map iterations) in one Store.SaveExecution call. Resume restarts
// each RUNNING execution from its checkpoint: a pending Wait or retry back-off
// ends at its original time (at once if that has passed), a task that was in
// flight is invoked again — so task handlers must be idempotent — and
// finished Map iterations are not run again. A callback task waiting for
// its token waits again for the same token, until the same deadlines,
// without invoking its handler again; a callback sent while no runner waits
// for the token is refused (domain.ErrNotFound) and lost. If the store fails, the
// execution stops where it is and stays RUNNING for the next Resume.
//
// # History
//
// Events use Step Functions' names and order: ExecutionStarted;
// TaskStateEntered, TaskScheduled, TaskStarted, (TaskSubmitted for a callback
// task), TaskSucceeded | TaskFailed | TaskTimedOut, TaskStateExited; PassStateEntered/Exited;
// WaitStateEntered/Exited; ChoiceStateEntered/Exited;
// MapStateEntered, MapStateStarted, MapIterationStarted,
// MapIterationSucceeded | MapIterationFailed | MapIterationAborted,
// MapStateSucceeded | MapStateFailed, MapStateExited; SucceedStateEntered/Exited;
// FailStateEntered; ExecutionSucceeded | ExecutionFailed. Each has an id,
// the previous event of its thread, a timestamp, and its input, output, or
// error and cause. Map iteration events carry {"index": n} as input.
//
// # Time
//
// Config.Clock drives timestamps, Waits and retry back-off (default: real
// time). Tests run the runner under testing/synctest, where waits of minutes
// complete at once and timeouts still fire in order.
package asl
