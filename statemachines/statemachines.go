package statemachines

import (
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

//go:embed annotation.asl.json restore.asl.json
var files embed.FS

// Task names: the one list of the workflow's task handlers. Each Task state
// invokes ${<Name in CamelCase>FunctionArn} (Placeholder); the local runner
// registers the handler under this name (internal/tasks), and on AWS the
// Lambda serving it sets GAS_TASK to it (functions/awsenv.TaskBinaries).
const (
	TaskPlan            = "plan"
	TaskAnnotateShard   = "annotate-shard"
	TaskMerge           = "merge"
	TaskNotifyCompleted = "notify-completed"
	TaskNotifyFailed    = "notify-failed"
	TaskArchiveIfFree   = "archive-if-free"
	TaskMarkFailed      = "mark-failed"
	TaskListArchived    = "list-archived"
	TaskRequestRestore  = "request-restore"
	TaskAwaitRestore    = "await-restore"
	TaskCheckRestore    = "check-restore"
	TaskCopyBack        = "copy-back"
	TaskMarkAvailable   = "mark-available"
	TaskRestoreFailed   = "restore-failed"
	TaskNotifyRestored  = "notify-restored"
	// TaskRestoreEvent is no state's task: it handles S3's "Object Restore
	// Completed"/"Expired" events and resumes the restore step waiting for
	// the job (EventBridge's target on AWS; the blob store calls it locally).
	TaskRestoreEvent = "restore-event"
)

// Function is one Lambda a state machine calls: the placeholder its ARN
// replaces, and the task name the local runner registers it under.
type Function struct {
	Placeholder string // without ${ }, e.g. "AnnotateFunctionArn"
	Name        string // a Task* name, e.g. "annotate"
}

// Functions lists, per state machine, the functions its definition calls.
var Functions = map[string][]Function{
	domain.MachineAnnotation: functions(TaskPlan, TaskAnnotateShard, TaskMerge, TaskNotifyCompleted, TaskArchiveIfFree, TaskMarkFailed, TaskNotifyFailed),
	domain.MachineRestore: functions(TaskListArchived, TaskRequestRestore, TaskAwaitRestore, TaskCheckRestore, TaskCopyBack,
		TaskMarkAvailable, TaskRestoreFailed, TaskNotifyRestored),
}

func functions(names ...string) []Function {
	out := make([]Function, len(names))
	for i, n := range names {
		out[i] = Function{Placeholder: Placeholder(n), Name: n}
	}
	return out
}

// Placeholder is the definition's placeholder for the ARN of task name:
// "restore-failed" -> "RestoreFailedFunctionArn".
func Placeholder(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "FunctionArn"
}

// Buckets lists, per state machine, the placeholders that name an S3 bucket
// (a Distributed Map's ItemReader reads from it). Locally the blob store has
// one namespace: LocalDefinition puts LocalBucket there.
var Buckets = map[string][]string{
	domain.MachineAnnotation: {"ResultsBucketName"},
	domain.MachineRestore:    {"ResultsBucketName"},
}

// LocalBucket is the bucket name local definitions carry.
const LocalBucket = "local"

// Names lists the state machines, in a stable order.
func Names() []string { return []string{domain.MachineAnnotation, domain.MachineRestore} }

// Definition returns the raw definition (with ${...} placeholders) of the
// named state machine.
func Definition(name string) ([]byte, error) {
	if _, ok := Functions[name]; !ok {
		return nil, fmt.Errorf("state machine %q: %w", name, domain.ErrNotFound)
	}
	b, err := files.ReadFile(name + ".asl.json")
	if err != nil {
		return nil, fmt.Errorf("state machine %q: %w", name, err)
	}
	return b, nil
}

// Placeholders returns the placeholders (without ${ }) the named definition
// uses, sorted.
func Placeholders(name string) ([]string, error) {
	def, err := Definition(name)
	if err != nil {
		return nil, err
	}
	return placeholdersIn(def), nil
}

// placeholder is what CloudFormation's DefinitionSubstitutions replaces.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

func placeholdersIn(def []byte) []string {
	var out []string
	for _, m := range placeholder.FindAllSubmatch(def, -1) {
		out = append(out, string(m[1]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Substitute replaces every ${Name} in def with subs[Name], as
// DefinitionSubstitutions does on AWS. It fails if a placeholder has no
// substitution, and the values are JSON-escaped since placeholders sit inside
// strings. Unused substitutions are ignored.
func Substitute(def []byte, subs map[string]string) ([]byte, error) {
	var missing []string
	out := placeholder.ReplaceAllFunc(def, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := subs[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		q, _ := json.Marshal(v)
		return q[1 : len(q)-1]
	})
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("substitute: no value for %s: %w", strings.Join(slices.Compact(missing), ", "), domain.ErrInvalid)
	}
	if !json.Valid(out) {
		return nil, fmt.Errorf("substitute: result is not JSON: %w", domain.ErrInvalid)
	}
	return out, nil
}

// LocalDefinition returns the named definition with each function placeholder
// replaced by the function's handler Name, as the local runner registers them.
func LocalDefinition(name string) ([]byte, error) {
	def, err := Definition(name)
	if err != nil {
		return nil, err
	}
	subs := map[string]string{}
	for _, f := range Functions[name] {
		subs[f.Placeholder] = f.Name
	}
	for _, b := range Buckets[name] {
		subs[b] = LocalBucket
	}
	return Substitute(def, subs)
}

// InvalidInputError is the error a step returns when retrying cannot help
// (a malformed VCF, a missing job). The annotation machine does not retry it.
// Its Go type name is its Step Functions error name both on AWS (aws-lambda-go
// reports the type name) and in the local runner.
type InvalidInputError struct {
	Reason string
}

func (e *InvalidInputError) Error() string { return e.Reason }

// ErrorMessage extracts the message from a Catch's Cause: a Lambda function
// error's cause is the JSON {"errorMessage": ..., "errorType": ...}; other
// causes (States.Timeout, ...) are returned as they are.
func ErrorMessage(cause string) string {
	var lambdaErr struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != nil {
		return *lambdaErr.ErrorMessage
	}
	return cause
}
