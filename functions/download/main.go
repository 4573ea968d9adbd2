// Command download is the Lambda that makes a download copy of a job's
// result (plain VCF or TSV from the stored BGZF, service.MakeDownload): the
// api Lambda invokes it and waits for a small result, and asynchronously
// for a large one, whose copy would outlast API Gateway's 29 s. It alone
// writes the copies (results/<user>/<job>/download/).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/service"
)

func main() {
	st, err := wire.Open(context.Background())
	if err != nil {
		wire.Fatal(nil, "cold start", err)
	}
	svc := service.New(service.Ports{Jobs: st.Jobs, Profiles: st.Profiles, Blobs: st.Blobs}, service.Config{Logger: st.Log})
	lambda.Start(svc.MakeDownload)
}
