package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// Error names of the States language that the runner raises or matches.
const (
	ErrAll                = "States.ALL"
	ErrTaskFailed         = "States.TaskFailed"
	ErrTimeout            = "States.Timeout"
	ErrRuntime            = "States.Runtime"
	ErrNoChoiceMatched    = "States.NoChoiceMatched"
	ErrResultPathMatch    = "States.ResultPathMatchFailure"
	ErrParameterPath      = "States.ParameterPathFailure"
	ErrDataLimitExceeded  = "States.DataLimitExceeded"
	ErrIntrinsicFailure   = "States.IntrinsicFailure"
	ErrHeartbeatTimeout   = "States.HeartbeatTimeout"
	ErrPermissions        = "States.Permissions"
	ErrBranchFailed       = "States.BranchFailed"
	ErrExceedToleratedMap = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed   = "States.ItemReaderFailed"
	ErrResultWriterFailed = "States.ResultWriterFailed"
	ErrQueryEvaluation    = "States.QueryEvaluationError"
)

var knownErrors = []string{
	ErrAll, ErrTaskFailed, ErrTimeout, ErrRuntime, ErrNoChoiceMatched, ErrResultPathMatch,
	ErrParameterPath, ErrDataLimitExceeded, ErrIntrinsicFailure, ErrHeartbeatTimeout, ErrPermissions,
	ErrBranchFailed, ErrExceedToleratedMap, ErrItemReaderFailed, ErrResultWriterFailed, ErrQueryEvaluation,
}

// MaxPayload is Step Functions' limit on a state's input or output (256 KiB).
const MaxPayload = 256 * 1024

// Error is a Step Functions error: a name that Retry and Catch match, and a cause.
type Error struct {
	Name  string `json:"Error"`
	Cause string `json:"Cause"`
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

func statesErr(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// terminal reports whether no Retry or Catch may handle the error.
func (e *Error) terminal() bool {
	return e.Name == ErrRuntime || e.Name == ErrDataLimitExceeded
}

// matches reports whether a retrier's or catcher's ErrorEquals covers e.
// States.ALL covers every catchable error; States.TaskFailed covers every
// task error except States.Timeout (as on AWS).
func (e *Error) matches(names []string) bool {
	if e.terminal() {
		return false
	}
	for _, n := range names {
		switch {
		case n == e.Name, n == ErrAll:
			return true
		case n == ErrTaskFailed && e.Name != ErrTimeout && !isStatesError(e.Name):
			return true
		}
	}
	return false
}

func isStatesError(name string) bool { return slices.Contains(knownErrors, name) }

// Namer lets a handler error choose its Step Functions error name. Without
// it the name is the error's Go type name, as aws-lambda-go reports it on AWS
// ("errorString" for errors.New, "wrapError" for fmt.Errorf with %w); only the
// top-level error counts, as on AWS.
type Namer interface {
	ErrorName() string
}

// handlerError turns what a handler returned into a Step Functions error the
// way Lambda and the lambda:invoke integration do: Error is the error type,
// Cause the function's error document {"errorMessage", "errorType"}.
func handlerError(err error) *Error {
	var name string
	if n, ok := err.(Namer); ok {
		name = n.ErrorName()
	} else {
		name = goTypeName(err)
	}
	return lambdaError(name, err.Error())
}

// panicError is what a panicking handler yields: aws-lambda-go recovers the
// panic and reports the panic value's type name and its text, then exits.
func panicError(v any) *Error {
	if err, ok := v.(error); ok {
		var n Namer
		if errors.As(err, &n) {
			return lambdaError(n.ErrorName(), err.Error())
		}
	}
	return lambdaError(goTypeName(v), fmt.Sprint(v))
}

func lambdaError(name, msg string) *Error {
	if name == "" {
		name = ErrTaskFailed
	}
	cause, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, name})
	return &Error{Name: name, Cause: string(cause)}
}

func goTypeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
