// Package lambdainvoke hands work to another Lambda function: it is
// service.Copier on AWS, running the download Lambda (functions/download)
// with Lambda's Invoke: RequestResponse when the caller waits for the copy,
// Event (asynchronous: Lambda queues it and answers at once) when not.
package lambdainvoke

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gasproject/gas/internal/domain"
)

// API is the part of the Lambda client the adapter uses; *lambda.Client implements it.
type API interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ API = (*lambda.Client)(nil)

// Copier invokes the download Lambda named function (its name or ARN).
type Copier struct {
	api      API
	function string
}

// NewCopier returns the adapter.
func NewCopier(api API, function string) *Copier { return &Copier{api: api, function: function} }

// MakeDownload sends req to the function: with wait it returns once the
// function has run, with its error if it failed; without, once Lambda has
// queued the event.
func (c *Copier) MakeDownload(ctx context.Context, req domain.DownloadRequest, wait bool) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(c.function), Payload: payload, InvocationType: types.InvocationTypeEvent}
	if wait {
		in.InvocationType = types.InvocationTypeRequestResponse
	}
	out, err := c.api.Invoke(ctx, in)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", c.function, err)
	}
	if out.FunctionError != nil { // the function ran and failed: its payload says why
		var e struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}
		if json.Unmarshal(out.Payload, &e) != nil || e.Message == "" {
			e.Message = string(out.Payload)
		}
		return fmt.Errorf("%s failed (%s): %s", c.function, aws.ToString(out.FunctionError), e.Message)
	}
	return nil
}
