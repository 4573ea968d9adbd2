package main

import (
	"strings"
	"testing"

	"github.com/gasproject/gas/functions/awsenv"
)

func TestEveryLambdaGetsTheSettingsItsMainReads(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN each Lambda's environment has what functions/<binary>/main.go requires
	common := []string{awsenv.JobsTable, awsenv.ProfilesTable, awsenv.InputsBucket, awsenv.ResultsBucket, awsenv.PublicURL}
	need := map[string][]string{
		"api": {awsenv.AuthTable, awsenv.AnnotationMachineARN, awsenv.RestoreMachineARN, awsenv.RetentionSeconds,
			awsenv.FreeCapBytes, awsenv.PremiumCapBytes, awsenv.SessionKeyARN, awsenv.StripeSecretARN,
			awsenv.OIDCIssuer, awsenv.OIDCClientID, awsenv.MailFrom},
		"annotate": {awsenv.Task, awsenv.RefdataBucket, awsenv.RefdataPrefix, awsenv.RefdataCacheBytes},
		"notify":   {awsenv.Task, awsenv.MailFrom},
		"audit":    {awsenv.AuditBucket, awsenv.AnnotationMachineARN, awsenv.RestoreMachineARN},
	}
	need["api"] = append(need["api"], awsenv.AuditBucket, awsenv.DownloadFunction)
	binaryOf := map[string]string{}
	for bin, tasks := range awsenv.TaskBinaries {
		for _, task := range tasks {
			binaryOf[task] = bin
		}
	}
	seen := 0
	for id, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		env, _ := props(f)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		bin := "api"
		switch {
		case strings.HasPrefix(id, "AuditExport"):
			bin = "audit"
		case strings.HasPrefix(id, "DownloadCopies"):
			bin = "download"
		}
		if task, ok := vars[awsenv.Task].(string); ok {
			bin = binaryOf[task]
			if bin == "" {
				t.Errorf("%s: %s=%q is served by no binary", id, awsenv.Task, task)
			}
		}
		for _, name := range append(common, need[bin]...) {
			if vars[name] == nil {
				t.Errorf("%s (%s): %s is not set", id, bin, name)
			}
		}
		seen++
	}
	if seen < 2 {
		t.Fatalf("only %d Lambdas", seen)
	}
}
