package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// synth builds the stack with cfg (DistDir replaced by placeholder
// bootstraps in a temp dir) and returns its template. Every test function
// makes its own: a failed CDK assertion panics and poisons the template.
func synth(t *testing.T, cfg Config) assertions.Template {
	t.Helper()
	cfg.DistDir = fakeDist(t)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack, err := NewGasStack(app, "Test", &GasStackProps{Config: cfg})
	if err != nil {
		t.Fatalf("NewGasStack: %v", err)
	}
	return assertions.Template_FromStack(stack, nil)
}

// fakeDist writes a placeholder bootstrap for every Lambda, as `make build` would.
func fakeDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range []lambdaSpec{specAPI, specAnnotate, specNotify, specArchive, specMarkFailed, specRestore, specAudit, specDownload} {
		if err := os.MkdirAll(filepath.Join(dir, s.name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.name, "bootstrap"), []byte(s.name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// check runs a CDK assertion, turning its panic into a test failure.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

// resources returns the template's resources of one type, by logical id.
func resources(t *testing.T, tmpl assertions.Template, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	if len(out) == 0 {
		t.Fatalf("template has no %s", typ)
	}
	return out
}

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// list turns a CloudFormation "string or list" value into a list.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// refID returns the logical id a {"Ref": id} or {"Fn::GetAtt": [id, attr]} points at.
func refID(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		return fmt.Sprint(ga[0])
	}
	return ""
}

func defaultTestConfig() Config {
	c := DefaultConfig()
	c.EmailSender = "gas@lab.gas-project.org"
	c.EmailIdentity = "lab.gas-project.org"
	return c
}
