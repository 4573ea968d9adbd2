// Package xray traces the AWS SDK calls of GAS's Lambdas in AWS X-Ray: a
// middleware on every SDK client records each call (service, operation,
// region, request id, HTTP status, error or fault, timing) as a subsegment
// of the Lambda invocation's segment, sent to the X-Ray daemon that Lambda
// runs when active tracing is on (infra/: Tracing ACTIVE).
//
// It is the X-Ray wire protocol (a UDP datagram per subsegment) written
// here with the standard library, rather than the X-Ray SDK (aws-sdk-go v1
// and gRPC in every binary) or OpenTelemetry (an exporter plus a collector
// layer): a few dozen lines give the same subsegments. Outside a sampled
// Lambda invocation (no trace header, Sampled=0: tests, `gas`) it does
// nothing but read the header.
package xray

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MiddlewareID names the middleware in a client's stack.
const MiddlewareID = "GASXRaySubsegment"

// Install adds the tracing middleware to every client later built from cfg.
func Install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		// After: the operation's own initialize steps name the service and
		// operation first; retries happen later (Finalize), inside this span.
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc(MiddlewareID, trace), middleware.After)
	})
}

// Environment Lambda sets: the invocation's trace header (also in the
// context aws-lambda-go passes the handler) and the daemon's address.
const (
	envTraceHeader = "_X_AMZN_TRACE_ID"
	envDaemon      = "AWS_XRAY_DAEMON_ADDRESS"
	ctxTraceHeader = "x-amzn-trace-id" // aws-lambda-go's context key (a plain string)
)

// header is the parts of "Root=1-...;Parent=...;Sampled=1" a subsegment needs.
type header struct{ root, parent string }

// traceHeader finds the invocation's sampled trace header, or ok=false.
func traceHeader(ctx context.Context) (h header, ok bool) {
	raw, _ := ctx.Value(ctxTraceHeader).(string)
	if raw == "" {
		raw = os.Getenv(envTraceHeader)
	}
	sampled := false
	for part := range strings.SplitSeq(raw, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			h.root = v
		case "Parent":
			h.parent = v
		case "Sampled":
			sampled = v == "1"
		}
	}
	return h, sampled && h.root != "" && h.parent != ""
}

// subsegment is an X-Ray segment document of type subsegment.
type subsegment struct {
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	TraceID   string    `json:"trace_id"`
	ParentID  string    `json:"parent_id"`
	Type      string    `json:"type"`
	Namespace string    `json:"namespace"`
	StartTime float64   `json:"start_time"`
	EndTime   float64   `json:"end_time"`
	Error     bool      `json:"error,omitempty"`    // 4xx
	Throttle  bool      `json:"throttle,omitempty"` // 429
	Fault     bool      `json:"fault,omitempty"`    // 5xx, or no answer
	AWS       awsFields `json:"aws"`
	HTTP      *httpInfo `json:"http,omitempty"`
}

type awsFields struct {
	Operation string `json:"operation"`
	Region    string `json:"region,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Retries   int    `json:"retries,omitempty"`
}

type httpInfo struct {
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

func trace(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	h, ok := traceHeader(ctx)
	if !ok {
		return next.HandleInitialize(ctx, in)
	}
	start := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	seg := subsegment{
		Name: awsmiddleware.GetServiceID(ctx), ID: newID(), TraceID: h.root, ParentID: h.parent,
		Type: "subsegment", Namespace: "aws", StartTime: seconds(start), EndTime: seconds(time.Now()),
		AWS: awsFields{Operation: awsmiddleware.GetOperationName(ctx), Region: awsmiddleware.GetRegion(ctx)},
	}
	seg.AWS.RequestID, _ = awsmiddleware.GetRequestIDMetadata(md)
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && r != nil {
		seg.HTTP = &httpInfo{}
		seg.HTTP.Response.Status = r.StatusCode
	}
	var re *smithyhttp.ResponseError
	status := 0
	switch {
	case seg.HTTP != nil:
		status = seg.HTTP.Response.Status
	case errors.As(err, &re):
		status = re.HTTPStatusCode()
	}
	seg.Error, seg.Throttle = status >= 400 && status < 500, status == 429
	seg.Fault = status >= 500 || (err != nil && status == 0)
	send(seg)
	return out, md, err
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// daemonHeader starts every datagram the daemon reads.
const daemonHeader = `{"format": "json", "version": 1}` + "\n"

var conns sync.Map // daemon address -> net.Conn

// send writes the subsegment to the daemon; a trace that cannot be sent is
// dropped, never an error of the call it describes.
func send(seg subsegment) {
	addr := daemonAddress()
	c, ok := conns.Load(addr)
	if !ok {
		conn, err := net.Dial("udp", addr)
		if err != nil {
			return
		}
		c, _ = conns.LoadOrStore(addr, conn)
	}
	doc, err := json.Marshal(seg)
	if err != nil {
		return
	}
	c.(net.Conn).Write(append([]byte(daemonHeader), doc...))
}

// daemonAddress reads AWS_XRAY_DAEMON_ADDRESS ("host:port", or "tcp:host:port
// udp:host:port"); the daemon's default port otherwise.
func daemonAddress() string {
	v := os.Getenv(envDaemon)
	for f := range strings.FieldsSeq(v) {
		if a, ok := strings.CutPrefix(f, "udp:"); ok {
			return a
		}
	}
	if v == "" || strings.Contains(v, " ") {
		return "127.0.0.1:2000"
	}
	return strings.TrimPrefix(v, "tcp:")
}
