// Package asl runs Amazon States Language (JSONPath) state machines on one
// machine: the same definitions that run on AWS Step Functions, with Task
// states mapped to in-process Go handlers and every execution persisted
// (through a Store) so that a restart resumes it where it stood.
package asl
