package wire

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"

	"github.com/gasproject/gas/functions/internal/xray"
	"github.com/gasproject/gas/internal/domain"
)

// daemon is a fake X-Ray daemon: it collects the subsegments sent to it.
func daemon(t *testing.T) (addr string, next func() map[string]any) {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().String(), func() map[string]any {
		t.Helper()
		buf := make([]byte, 64<<10)
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return nil
		}
		head, doc, ok := strings.Cut(string(buf[:n]), "\n")
		var seg map[string]any
		if !ok || head != `{"format": "json", "version": 1}` || json.Unmarshal([]byte(doc), &seg) != nil {
			t.Fatalf("daemon got %q", buf[:n])
		}
		return seg
	}
}

// GIVEN the stores built by the Lambdas' factory, in a sampled invocation
// WHEN they call S3, DynamoDB and Step Functions THEN each call reaches
// the X-Ray daemon as a subsegment of the invocation's segment; AND
// outside a sampled invocation nothing is sent.
func TestEverySDKClientOfTheFactoryIsTraced(t *testing.T) {
	ctx := context.Background()
	cfg, _, _ := emulators(t)
	addr, next := daemon(t)
	setEnv(t, "")
	t.Setenv("AWS_XRAY_DAEMON_ADDRESS", addr)
	t.Setenv("_X_AMZN_TRACE_ID", "")
	st := openStores(t, cfg)
	if _, err := st.Jobs.Get(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("get: %v", err)
	}
	if seg := next(); seg != nil {
		t.Fatalf("traced outside an invocation: %v", seg)
	}

	const root, parent = "1-6931a1b2-0123456789abcdef01234567", "53995c3f42cd8ad8"
	inv := context.WithValue(ctx, "x-amzn-trace-id", "Root="+root+";Parent="+parent+";Sampled=1") //nolint:staticcheck // aws-lambda-go's key
	if err := st.Blobs.Put(inv, "results/u/j/a.log", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Jobs.Get(inv, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := sfn.NewFromConfig(st.AWS).DescribeExecution(inv, &sfn.DescribeExecutionInput{ExecutionArn: stringPtr(annotationARN + ":none")}); err == nil {
		t.Fatal("describe of a missing execution succeeded")
	}
	want := []struct{ name, op string }{{"S3", "PutObject"}, {"DynamoDB", "GetItem"}, {"SFN", "DescribeExecution"}}
	for _, w := range want {
		seg := next()
		aws, _ := seg["aws"].(map[string]any)
		if seg == nil || seg["name"] != w.name || aws["operation"] != w.op || seg["trace_id"] != root || seg["parent_id"] != parent ||
			seg["type"] != "subsegment" || seg["namespace"] != "aws" || seg["end_time"].(float64) < seg["start_time"].(float64) {
			t.Errorf("want a %s %s subsegment of %s/%s, got %v", w.name, w.op, root, parent, seg)
		}
		if w.name == "SFN" && (seg["error"] != true || seg["fault"] == true) {
			t.Errorf("a 400 answer is an error, not a fault: %v", seg)
		}
	}

	// Sampled=0: the invocation is not traced.
	t.Setenv("_X_AMZN_TRACE_ID", "Root="+root+";Parent="+parent+";Sampled=0")
	if _, err := st.Jobs.Get(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	if seg := next(); seg != nil {
		t.Errorf("traced an unsampled invocation: %v", seg)
	}
	// AND the middleware sits in every client's stack.
	stack := middleware.NewStack("probe", nil)
	for _, opt := range st.AWS.APIOptions {
		if err := opt(stack); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := stack.Initialize.Get(xray.MiddlewareID); !ok {
		t.Errorf("the factory's AWS config lacks %s", xray.MiddlewareID)
	}
}

func stringPtr(s string) *string { return &s }
