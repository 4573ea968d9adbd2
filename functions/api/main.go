// Command api is the Lambda behind the HTTP API: the portal and the JSON API
// (webui's http.Handler) over the AWS adapters, adapted to API Gateway's
// payload format 2.0 by aws-lambda-go-api-proxy.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/gasproject/gas/functions/internal/apihandler"
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() {
	ctx := context.Background()
	st, err := wire.Open(ctx)
	if err != nil {
		wire.Fatal(nil, "cold start", err)
	}
	h, err := apihandler.New(ctx, st)
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
