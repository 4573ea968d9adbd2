// Command infra is GAS's AWS CDK app: `cdk synth` / `cdk deploy` run it (see
// cdk.json), and `make synth` runs it directly with CDK_OUTDIR. It needs
// `make build` first: every Lambda's code comes from dist/<fn>/bootstrap.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// stackName can be changed with `-c stackName=...` to deploy a second copy.
const defaultStackName = "Gas"

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	get := func(key string) any { return app.Node().TryGetContext(jsii.String(key)) }
	cfg, err := ConfigFromContext(get)
	if err != nil {
		return err
	}
	if err := checkDist(cfg.DistDir); err != nil {
		return err
	}
	name := defaultStackName
	if v, ok := get("stackName").(string); ok && v != "" {
		name = v
	}
	_, err = NewGasStack(app, name, &GasStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("GAS - Genomics Annotation Service"),
			// Account and region come from the deploying credentials (CDK_DEFAULT_*);
			// left unset the template stays environment-agnostic, which synth needs offline.
			Env: envFromCDK(),
		},
		Config: cfg,
	})
	if err != nil {
		return err
	}
	checkWithNag(app, true)
	asm := app.Synth(nil)
	if f := nagFindings(asm.GetStackArtifact(jsii.String(name))); len(f) > 0 {
		return fmt.Errorf("cdk-nag: %d unsuppressed findings (suppress each in infra/nag.go with a reason, or fix it):\n%s",
			len(f), strings.Join(f, "\n"))
	}
	sum, err := nagSummary(*asm.Directory())
	if err != nil {
		return err
	}
	fmt.Println(sum)
	return nil
}

// envFromCDK pins the stack to the account and region the CDK CLI resolved,
// when it did.
func envFromCDK() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}

// checkDist fails early, with the fix, when `make build` has not run.
func checkDist(dir string) error {
	for _, s := range []lambdaSpec{specAPI, specAnnotate, specNotify, specArchive, specMarkFailed, specRestore, specAudit, specDownload} {
		p := dir + "/" + s.name + "/bootstrap"
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("lambda code %s missing (run `make build` first): %w", p, err)
		}
	}
	return nil
}
