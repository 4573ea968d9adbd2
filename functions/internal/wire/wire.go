// Package wire builds GAS's AWS adapters from the Lambda environment that
// infra/ sets (names in functions/awsenv), once per cold start. It is the
// shared half of every functions/<name>/main.go (a step binary's main is one
// ServeTask call); nothing here runs per invocation.
package wire

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/xray"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/dynamo"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/sesmail"
	"github.com/gasproject/gas/internal/sfnflow"
	"github.com/gasproject/gas/internal/tasks"
)

// Stores are the adapters every GAS Lambda shares.
type Stores struct {
	AWS      aws.Config
	S3       *s3.Client
	Jobs     *dynamo.Jobs
	Profiles *dynamo.Profiles
	Blobs    s3blob.Split
	Log      *slog.Logger
	Env      *awsenv.Lookup
}

// Open loads the AWS configuration of the Lambda's role and builds the stores.
func Open(ctx context.Context) (*Stores, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return OpenConfig(cfg)
}

// OpenConfig builds the stores with an explicit AWS configuration; tests
// point it at emulators (s3Opts can select path-style addressing). Every
// SDK client made from the stores (and from Stores.AWS) records its calls
// as X-Ray subsegments of a sampled invocation (functions/internal/xray).
func OpenConfig(cfg aws.Config, s3Opts ...func(*s3.Options)) (*Stores, error) {
	env := &awsenv.Lookup{}
	jobs, profiles := env.String(awsenv.JobsTable), env.String(awsenv.ProfilesTable)
	inputs, results := env.String(awsenv.InputsBucket), env.String(awsenv.ResultsBucket)
	if err := env.Err(); err != nil {
		return nil, err
	}
	xray.Install(&cfg) // every client built from st.AWS traces its calls
	ddb := dynamodb.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, s3Opts...)
	return &Stores{
		AWS:      cfg,
		S3:       s3c,
		Jobs:     dynamo.NewJobs(ddb, jobs),
		Profiles: dynamo.NewProfiles(ddb, profiles),
		Blobs:    s3blob.Split{Inputs: s3blob.New(s3c, inputs), Results: s3blob.New(s3c, results)},
		// Lambda's JSON log format (set by infra/) picks up slog's JSON lines.
		Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
		Env: env,
	}, nil
}

// Mailer is the SES mailer sending as GAS_MAIL_FROM.
func (s *Stores) Mailer() (domain.Mailer, error) {
	from := s.Env.String(awsenv.MailFrom)
	if err := s.Env.Err(); err != nil {
		return nil, err
	}
	return sesmail.New(sesv2.NewFromConfig(s.AWS), from)
}

// Secret reads a Secrets Manager secret's string value.
func (s *Stores) Secret(ctx context.Context, arn string) (string, error) {
	out, err := secretsmanager.NewFromConfig(s.AWS).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", arn, err)
	}
	return aws.ToString(out.SecretString), nil
}

// TaskHandler returns the workflow step this Lambda serves: the handler
// named by GAS_TASK, which must be one of the binary's own (names).
// annotator is nil except in the annotate binary; mail is nil except where
// a step sends email.
func (s *Stores) TaskHandler(names []string, mail domain.Mailer, annotator tasks.Annotator) (tasks.Handler, error) {
	name := s.Env.String(awsenv.Task)
	publicURL := s.Env.String(awsenv.PublicURL)
	shards := tasks.ShardConfig{Records: s.Env.OptionalInt(awsenv.ShardRecords, 0), MinRecords: s.Env.OptionalInt(awsenv.ShardMinRecords, 0),
		MaxConcurrency: int(s.Env.OptionalInt(awsenv.ShardConcurrency, 0))}
	if err := s.Env.Err(); err != nil {
		return nil, err
	}
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("%s=%q: this binary serves only %v", awsenv.Task, name, names)
	}
	t := tasks.New(s.Jobs, s.Profiles, s.Blobs, mail, annotator, tasks.Config{BaseURL: publicURL, Logger: s.Log, Shards: shards})
	// AwaitRestore and RestoreEvent resume the restore step waiting for a job.
	t.SetCallbacks(sfnflow.NewCallbacks(sfn.NewFromConfig(s.AWS)))
	return t.HandlerFor(name)
}

// ServeTask is a step binary's whole main: it opens the stores, builds the
// task handler the binary serves (GAS_TASK names it, among
// awsenv.TaskBinaries[binary]) and hands it to the Lambda runtime. setup,
// when not nil, builds the step's mailer or annotator from the stores. A
// cold-start failure is fatal (Fatal).
func ServeTask(binary string, setup func(*Stores) (domain.Mailer, tasks.Annotator, error)) {
	st, err := Open(context.Background())
	if err != nil {
		Fatal(nil, "cold start", err)
	}
	var mail domain.Mailer
	var annotator tasks.Annotator
	if setup != nil {
		if mail, annotator, err = setup(st); err != nil {
			Fatal(st.Log, "cold start", err)
		}
	}
	h, err := st.TaskHandler(awsenv.TaskBinaries[binary], mail, annotator)
	if err != nil {
		Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}

// Fatal logs a cold-start failure and exits: Lambda reports the init error
// and retries with a fresh environment.
func Fatal(log *slog.Logger, what string, err error) {
	if log == nil {
		log = slog.Default()
	}
	log.Error(what, "err", err)
	time.Sleep(10 * time.Millisecond) // let the log line out
	os.Exit(1)
}
