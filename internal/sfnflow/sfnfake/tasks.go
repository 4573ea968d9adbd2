package sfnfake

import "fmt"

// Callback tasks: a test registers a task token with WaitForToken (as a
// .waitForTaskToken state would hand it out); SendTaskSuccess and
// SendTaskFailure then answer as Step Functions does: TaskDoesNotExist for
// an unknown token, TaskTimedOut for one whose task has ended.

// task is one waiting or finished callback task.
type task struct {
	done                   bool
	output, errName, cause string
}

// WaitForToken registers a callback task waiting for token.
func (s *Server) WaitForToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tasks == nil {
		s.tasks = map[string]*task{}
	}
	s.tasks[token] = &task{}
}

// TaskResult reports how the task of token ended: its output, or its error
// and cause; done is false while it waits.
func (s *Server) TaskResult(token string) (output, errName, cause string, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[token]
	if !ok {
		return "", "", "", false
	}
	return t.output, t.errName, t.cause, t.done
}

// sendTask ends the task of in's taskToken with success (output) or failure.
func (s *Server) sendTask(in map[string]any, success bool) (any, string, string) {
	token := str(in, "taskToken")
	t, ok := s.tasks[token]
	switch {
	case token == "":
		return nil, "InvalidToken", "Invalid Token: ''"
	case !ok:
		return nil, "TaskDoesNotExist", fmt.Sprintf("Task Does Not Exist: '%s'", token)
	case t.done:
		return nil, "TaskTimedOut", "Task Timed Out: '" + token + "'"
	}
	t.done = true
	if success {
		t.output = str(in, "output")
	} else {
		t.errName, t.cause = str(in, "error"), str(in, "cause")
	}
	return map[string]any{}, "", ""
}
