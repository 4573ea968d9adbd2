package main

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/gasproject/gas/internal/domain"
)

const (
	annotationARN = "arn:aws:states:us-east-1:111111111111:stateMachine:AnnotationWorkflow"
	restoreARN    = "arn:aws:states:us-east-1:111111111111:stateMachine:RestoreWorkflow"
	sessionKeyARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:SessionKey"
	stripeARN     = "arn:aws:secretsmanager:us-east-1:111111111111:secret:StripeKeys"
	sessionKey    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// secretsFake answers GetSecretValue (JSON 1.1 protocol) from a map.
type secretsFake map[string]string

func (f secretsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ SecretId string }
	json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	v, ok := f[in.SecretId]
	if !ok {
		w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException", "message": "no such secret"})
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"ARN": in.SecretId, "Name": in.SecretId, "SecretString": v})
}

// emulators is DynamoDB, S3, Step Functions, Secrets Manager and Lambda
// behind one endpoint, told apart as the services themselves do
// (X-Amz-Target, Lambda's REST path, else S3).
type emulators struct {
	ddb, sfn, secrets, s3, lambda http.Handler
}

func (e emulators) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch target := r.Header.Get("X-Amz-Target"); {
	case strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/"):
		e.lambda.ServeHTTP(w, r)
	case strings.HasPrefix(target, "DynamoDB_20120810."):
		e.ddb.ServeHTTP(w, r)
	case strings.HasPrefix(target, "AWSStepFunctions."):
		e.sfn.ServeHTTP(w, r)
	case strings.HasPrefix(target, "secretsmanager."):
		e.secrets.ServeHTTP(w, r)
	default:
		e.s3.ServeHTTP(w, r)
	}
}

// The api Lambda as deployed, minus AWS: the environment infra/ sets, the
// real SDK clients, emulators behind them, and requests in API Gateway's
// payload format 2.0 through aws-lambda-go-api-proxy.
func TestAPILambdaSubmitsAJobOnAWSAdapters(t *testing.T) {
	ctx := context.Background()
	// GIVEN the api Lambda's handler, cold-started against the emulators
	e := coldStart(t)
	st, sfnf := e.st, e.sfn
	portal := e.portal
	lambdaHandler := httpadapter.NewV2(portal).ProxyWithContext
	// AND a user with an API token, in the same DynamoDB tables
	ada, token := e.apiUser(t, "ada@example.org", "Ada")

	// browser calls as a browser does: cookies, no token.
	browser := func(method, path, contentType string, body []byte, cookies []string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		req := gatewayRequest(method, path, contentType, body)
		req.Cookies = cookies
		resp, err := lambdaHandler(ctx, req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp
	}
	call := func(method, path, contentType string, body []byte) events.APIGatewayV2HTTPResponse {
		t.Helper()
		req := gatewayRequest(method, path, contentType, body)
		req.Headers["authorization"] = "Bearer " + token
		resp, err := lambdaHandler(ctx, req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return resp
	}

	// WHEN the user submits a VCF through the JSON API
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "calls.vcf")
	vcf := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\tPASS\t.\n"
	fw.Write([]byte(vcf))
	mw.Close()
	resp := call(http.MethodPost, "/api/v1/jobs", mw.FormDataContentType(), form.Bytes())

	// THEN the job is created in DynamoDB, the input is in the inputs bucket,
	// and the annotation execution is started with the job id as its name
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	var created struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || created.ID == "" {
		t.Fatalf("submit response %s: %v", resp.Body, err)
	}
	job, err := st.Jobs.Get(ctx, created.ID)
	if err != nil {
		t.Fatalf("job not in DynamoDB: %v", err)
	}
	if job.UserID != ada.ID || job.InputSize != int64(len(vcf)) || !strings.HasPrefix(job.InputKey, "inputs/"+ada.ID+"/"+job.ID+"/") {
		t.Errorf("job = %+v", job)
	}
	if info, err := st.Blobs.Inputs.Head(ctx, job.InputKey); err != nil || info.Size != int64(len(vcf)) {
		t.Errorf("input in the inputs bucket: %+v, %v", info, err)
	}
	if n := sfnf.Calls("StartExecution"); n != 1 {
		t.Fatalf("StartExecution called %d times", n)
	}
	resp = call(http.MethodGet, "/api/v1/jobs/"+job.ID+"/history", "", nil)
	var history struct {
		Events []domain.HistoryEvent `json:"events"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &history); err != nil || len(history.Events) == 0 {
		t.Fatalf("history: %d %s (%v)", resp.StatusCode, resp.Body, err)
	}
	var input struct {
		JobID            string `json:"job_id"`
		UserID           string `json:"user_id"`
		RetentionSeconds int    `json:"retention_seconds"`
	}
	json.Unmarshal(history.Events[0].Input, &input)
	if history.Events[0].Type != "ExecutionStarted" || input.JobID != job.ID || input.UserID != ada.ID || input.RetentionSeconds != 180 {
		t.Errorf("execution started with %s, want job %s, user %s, retention 180", history.Events[0].Input, job.ID, ada.ID)
	}

	// AND the job reads back through the API, and the health check answers
	if resp := call(http.MethodGet, "/api/v1/jobs/"+job.ID, "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, job.ID) {
		t.Errorf("get job: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := call(http.MethodGet, "/healthz", "", nil); resp.StatusCode != http.StatusOK || resp.Body != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, resp.Body)
	}

	// AND a browser signs in: the session cookie (payload 2.0 "cookies"), kept
	// in DynamoDB, shows the user's jobs on the next request
	resp = browser(http.MethodGet, "/signin", "", nil, nil)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(resp.Body)
	if resp.StatusCode != http.StatusOK || csrf == nil || len(resp.Cookies) == 0 {
		t.Fatalf("sign-in page: %d, cookies %v", resp.StatusCode, resp.Cookies)
	}
	jar := cookieJar(nil, resp.Cookies)
	signin := url.Values{"email": {"ada@example.org"}, "password": {"correct horse battery"}, "csrf": {csrf[1]}}
	resp = browser(http.MethodPost, "/signin", "application/x-www-form-urlencoded", []byte(signin.Encode()), jar)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Body)
	}
	jar = cookieJar(jar, resp.Cookies)
	resp = browser(http.MethodGet, "/jobs", "", nil, jar)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, job.ID) {
		t.Errorf("jobs page after sign-in: %d, job %s listed: %v", resp.StatusCode, job.ID, strings.Contains(resp.Body, job.ID))
	}
}

// cookieJar merges Set-Cookie values into name=value cookies to send back.
func cookieJar(jar, setCookies []string) []string {
	byName := map[string]string{}
	for _, c := range jar {
		name, _, _ := strings.Cut(c, "=")
		byName[name] = c
	}
	for _, sc := range setCookies {
		pair, _, _ := strings.Cut(sc, ";")
		name, _, _ := strings.Cut(pair, "=")
		byName[name] = pair
	}
	out := []string{}
	for _, c := range byName {
		out = append(out, c)
	}
	return out
}
