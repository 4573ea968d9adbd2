package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/lambdainvoke/lambdafake"
)

// fakeLambda is a hand-written API: it records the call and answers out or err.
type fakeLambda struct {
	in  *lambda.InvokeInput
	out *lambda.InvokeOutput
	err error
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.in = in
	return f.out, f.err
}

func TestMakeDownload(t *testing.T) {
	req := domain.DownloadRequest{JobID: "j1", Format: "vcf", Background: true}
	tests := []struct {
		name     string
		wait     bool
		out      *lambda.InvokeOutput
		err      error
		wantType types.InvocationType
		wantErr  string // "" none
	}{
		{"background: an event, answered at once", false, &lambda.InvokeOutput{StatusCode: 202}, nil, types.InvocationTypeEvent, ""},
		{"waited: the function runs", true, &lambda.InvokeOutput{StatusCode: 200, Payload: []byte("null")}, nil, types.InvocationTypeRequestResponse, ""},
		{"the function failed: its message", true, &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorMessage":"make the vcf download of job j1: AccessDenied","errorType":"wrapError"}`)},
			nil, types.InvocationTypeRequestResponse, "gas-Download failed (Unhandled): make the vcf download of job j1: AccessDenied"},
		{"Lambda refused the call", false, nil, errors.New("TooManyRequestsException: Rate Exceeded"), types.InvocationTypeEvent,
			"invoke gas-Download: TooManyRequestsException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLambda{out: tc.out, err: tc.err}
			err := NewCopier(f, "gas-Download").MakeDownload(context.Background(), req, tc.wait)
			if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if f.in.InvocationType != tc.wantType || aws.ToString(f.in.FunctionName) != "gas-Download" ||
				string(f.in.Payload) != `{"job_id":"j1","format":"vcf","background":true}` {
				t.Errorf("invoked %s %s with %s", f.in.InvocationType, aws.ToString(f.in.FunctionName), f.in.Payload)
			}
		})
	}
}

// TestOverTheWire invokes through the SDK client against lambdafake: a
// waited copy runs at once (its failure comes back), a background one is
// queued and answered 202, an unknown function is an error.
func TestOverTheWire(t *testing.T) {
	ctx := context.Background()
	var ran []domain.DownloadRequest
	fake := lambdafake.New(map[string]lambdafake.Handler{"gas-Download": func(_ context.Context, payload []byte) (any, error) {
		var req domain.DownloadRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		ran = append(ran, req)
		if req.Format == "tsv" {
			return nil, errors.New("make the tsv download of job j1: no CSQ")
		}
		return nil, nil
	}})
	client := lambda.NewFromConfig(awstest.Serve(t, fake))
	c := NewCopier(client, "gas-Download")

	if err := c.MakeDownload(ctx, domain.DownloadRequest{JobID: "j1", Format: "vcf"}, true); err != nil || len(ran) != 1 {
		t.Errorf("waited copy: %v, ran %v", err, ran)
	}
	if err := c.MakeDownload(ctx, domain.DownloadRequest{JobID: "j1", Format: "tsv"}, true); err == nil || !strings.Contains(err.Error(), "no CSQ") {
		t.Errorf("failed waited copy: %v", err)
	}
	big := domain.DownloadRequest{JobID: "j2", Format: "vcf", Background: true}
	if err := c.MakeDownload(ctx, big, false); err != nil || len(ran) != 2 {
		t.Errorf("background copy: %v, ran %v (before the queue runs)", err, ran)
	}
	if errs := fake.RunQueued(ctx); len(errs) != 1 || errs[0] != nil || ran[2] != big {
		t.Errorf("queued: %v, ran %v", errs, ran)
	}
	if err := NewCopier(client, "gas-Nope").MakeDownload(ctx, big, false); err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Errorf("unknown function: %v", err)
	}
	var types []string
	for _, inv := range fake.Calls() {
		types = append(types, inv.Type)
	}
	if strings.Join(types, " ") != "RequestResponse RequestResponse Event" {
		t.Errorf("invocation types %v", types)
	}
}
