// Command annotate is the Lambda behind the Annotate step: it streams the
// uploaded VCF from S3 through the annotation engine back to S3. The
// reference bundle is copied from the refdata bucket to /tmp at cold start
// and reused by every invocation of this environment.
package main

import (
	"context"
	"path/filepath"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/tasks"
)

func main() {
	ctx := context.Background()
	st, err := wire.Open(ctx)
	if err != nil {
		wire.Fatal(nil, "cold start", err)
	}
	bucket, prefix := st.Env.String(awsenv.RefdataBucket), st.Env.String(awsenv.RefdataPrefix)
	if err := st.Env.Err(); err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	dir := filepath.Join("/tmp", "refdata")
	if _, err := s3blob.New(st.S3, bucket).DownloadDir(ctx, prefix, dir); err != nil {
		wire.Fatal(st.Log, "reference bundle", err)
	}
	bundle, err := refdata.Open(dir)
	if err != nil {
		wire.Fatal(st.Log, "reference bundle", err)
	}
	h, err := st.TaskHandler(awsenv.TaskBinaries["annotate"], nil, tasks.EngineAnnotator{Engine: annotate.New(bundle)})
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}
