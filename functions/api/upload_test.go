package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	miniserver "github.com/truora/minidyn/server"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/apihandler"
	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/dynamo"
	"github.com/gasproject/gas/internal/lambdainvoke/lambdafake"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
	"github.com/gasproject/gas/internal/vcf/vcftest"
)

// downloadFunction is the download Lambda's name (GAS_DOWNLOAD_FUNCTION).
const downloadFunction = "Gas-DownloadCopies"

// lambdaEnv is the api Lambda cold-started against the emulators, with the
// environment infra/ sets.
type lambdaEnv struct {
	st     *wire.Stores
	s3     *s3fake.Server
	roles  s3fake.Roles // the stack's S3 grants; the api role's are enforced
	sfn    *sfnfake.Server
	lambda *lambdafake.Server // runs the download Lambda (functions/download) on the same stores
	cfg    aws.Config
	tables dynamo.Tables
	portal http.Handler
}

func coldStart(t *testing.T) *lambdaEnv {
	t.Helper()
	ctx := context.Background()
	s3f, err := s3fake.New("gas-inputs", "gas-results", "gas-audit")
	if err != nil {
		t.Fatal(err)
	}
	sfnf := sfnfake.New(annotationARN, restoreARN)
	var downloads *service.Service // the download Lambda's use case, as functions/download builds it
	var roles s3fake.Roles
	lf := lambdafake.New(map[string]lambdafake.Handler{downloadFunction: func(ctx context.Context, payload []byte) (any, error) {
		var req domain.DownloadRequest
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		s3f.As(t, roles, "download", apiBuckets) // under its own role's grants while it runs
		defer s3f.As(t, roles, "api", apiBuckets)
		return nil, downloads.MakeDownload(ctx, req)
	}})
	srv := httptest.NewServer(emulators{
		ddb: miniserver.NewServer(), sfn: sfnf, s3: s3f, lambda: lf,
		secrets: secretsFake{sessionKeyARN: sessionKey, stripeARN: "generated-placeholder"},
	})
	t.Cleanup(srv.Close)
	cfg := s3fake.Config(srv.URL)
	tables := dynamo.Tables{Jobs: "gas-jobs", Profiles: "gas-profiles", Auth: "gas-auth"}
	if err := dynamo.CreateTables(ctx, dynamodb.NewFromConfig(cfg), tables); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		awsenv.JobsTable: tables.Jobs, awsenv.ProfilesTable: tables.Profiles, awsenv.AuthTable: tables.Auth,
		awsenv.InputsBucket: "gas-inputs", awsenv.ResultsBucket: "gas-results", awsenv.AuditBucket: "gas-audit",
		awsenv.AnnotationMachineARN: annotationARN, awsenv.RestoreMachineARN: restoreARN,
		awsenv.RetentionSeconds: "180", awsenv.FreeCapBytes: "150000", awsenv.PremiumCapBytes: "1073741824",
		awsenv.PublicURL: "https://gas.example.org", awsenv.MailFrom: "gas@example.org",
		awsenv.SessionKeyARN: sessionKeyARN, awsenv.StripeSecretARN: stripeARN, awsenv.DownloadFunction: downloadFunction,
	} {
		t.Setenv(k, v)
	}
	st, err := wire.OpenConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	h, err := apihandler.New(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	downloads = service.New(service.Ports{Jobs: st.Jobs, Profiles: st.Profiles, Blobs: st.Blobs}, service.Config{Logger: st.Log})
	// From here on S3 answers as it would the deployed api role: a call
	// infra/grants.go does not grant is AccessDenied.
	roles, err = s3fake.LoadRoles("../../infra/testdata/s3-policies.json")
	if err != nil {
		t.Fatal(err)
	}
	s3f.As(t, roles, "api", apiBuckets)
	return &lambdaEnv{st: st, s3: s3f, roles: roles, sfn: sfnf, lambda: lf, cfg: cfg, tables: tables, portal: h}
}

// gatewayRequest is the event API Gateway (payload 2.0) passes the Lambda
// for one request to https://gas.example.org, with no credentials.
func gatewayRequest(method, path, contentType string, body []byte) events.APIGatewayV2HTTPRequest {
	raw, query, _ := strings.Cut(path, "?")
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: raw, RawQueryString: query,
		Headers: map[string]string{"host": "gas.example.org", "x-forwarded-proto": "https"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "gas.example.org", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: raw, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
		Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
	}
	if contentType != "" {
		req.Headers["content-type"] = contentType
	}
	return req
}

// browser sends one request as API Gateway (payload 2.0) passes a browser's to the Lambda.
func (e *lambdaEnv) browser(t *testing.T, method, path, contentType string, body []byte, cookies []string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := gatewayRequest(method, path, contentType, body)
	req.Cookies = cookies
	resp, err := httpadapter.NewV2(e.portal).ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// account makes a user with the password "correct horse battery" in the
// Lambda's tables.
func (e *lambdaEnv) account(t *testing.T, email, name string, role domain.Role) domain.Profile {
	t.Helper()
	ctx := context.Background()
	users := e.users(t)
	p, err := users.UpsertUser(ctx, auth.UpsertUser{Email: email, Name: name, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	if err := users.SetPassword(ctx, p.ID, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return p
}

// apiUser makes a user (as account does) with an API token.
func (e *lambdaEnv) apiUser(t *testing.T, email, name string) (domain.Profile, string) {
	t.Helper()
	p := e.account(t, email, name, "")
	token, _, err := e.users(t).CreateToken(context.Background(), p.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	return p, token
}

// users is the auth service over the Lambda's tables.
func (e *lambdaEnv) users(t *testing.T) *auth.Service {
	t.Helper()
	users, err := auth.New(e.st.Profiles, dynamo.NewAuthStore(dynamodb.NewFromConfig(e.cfg), e.tables.Auth), auth.Config{Key: []byte(sessionKey)})
	if err != nil {
		t.Fatal(err)
	}
	return users
}

// signIn makes an account and signs it in; it returns the browser's cookies.
func (e *lambdaEnv) signIn(t *testing.T, email string, role domain.Role) (domain.Profile, []string) {
	t.Helper()
	p := e.account(t, email, email, role)
	resp := e.browser(t, http.MethodGet, "/signin", "", nil, nil)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(resp.Body)
	if csrf == nil {
		t.Fatalf("sign-in page has no form: %d", resp.StatusCode)
	}
	jar := cookieJar(nil, resp.Cookies)
	form := url.Values{"email": {email}, "password": {"correct horse battery"}, "csrf": {csrf[1]}}
	resp = e.browser(t, http.MethodPost, "/signin", "application/x-www-form-urlencoded", []byte(form.Encode()), jar)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %s", email, resp.StatusCode, resp.Body)
	}
	return p, cookieJar(jar, resp.Cookies)
}

var (
	formTag     = regexp.MustCompile(`<form id="upload" method="post" action="([^"]+)"[^>]*data-success="([^"]+)"`)
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// directUpload does what the annotate page's script does: read the signed
// form, POST its fields and then the file to the bucket, and return S3's
// answer and the success URL to open next.
func directUpload(t *testing.T, page, filename string, content []byte) (*http.Response, string) {
	t.Helper()
	form := formTag.FindStringSubmatch(page)
	if form == nil {
		t.Fatalf("annotate page has no direct upload form:\n%s", page)
	}
	action, success := html.UnescapeString(form[1]), html.UnescapeString(form[2])
	body := page[strings.Index(page, form[0]):]
	body = body[:strings.Index(body, "</form>")]
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range hiddenField.FindAllStringSubmatch(body, -1) {
		mw.WriteField(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	resp, err := http.Post(action, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, success
}

// The whole upload flow on AWS: the portal signs a form, the browser posts
// the file to S3 (not through the Lambda), the success URL starts the job,
// and downloads are presigned links.
func TestBrowserUploadsStraightToS3(t *testing.T) {
	ctx := context.Background()
	// GIVEN the api Lambda on the emulators and a signed-in free user
	e := coldStart(t)
	ada, jar := e.signIn(t, "ada@example.org", domain.RoleFree)

	// WHEN the browser opens the annotate page
	page := e.browser(t, http.MethodGet, "/annotate", "", nil, jar)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("annotate page: %d %s", page.StatusCode, page.Body)
	}
	// THEN the signing credentials are not on it (only the signature)
	if strings.Contains(page.Body, s3fake.SecretAccessKey) || !strings.Contains(page.Body, "X-Amz-Signature") {
		t.Fatalf("annotate page leaks the secret key or lacks the signature:\n%s", page.Body)
	}

	// WHEN it posts a VCF to the bucket as the page's script does
	vcf := []byte("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\tPASS\t.\n")
	s3resp, success := directUpload(t, page.Body, "calls.vcf", vcf)
	// THEN S3 accepts it and names the key it stored
	var posted struct{ Key string }
	raw, _ := io.ReadAll(s3resp.Body)
	if s3resp.StatusCode != http.StatusCreated || xml.Unmarshal(raw, &posted) != nil {
		t.Fatalf("S3 POST: %d %s", s3resp.StatusCode, raw)
	}
	if n := e.sfn.Calls("StartExecution"); n != 0 {
		t.Fatalf("an execution started before the success URL was opened (%d)", n)
	}

	// WHEN the browser opens the success URL with that key
	done := e.browser(t, http.MethodGet, success+"&key="+url.QueryEscape(posted.Key), "", nil, jar)
	// THEN the job is created and its execution started, named by the job id
	if done.StatusCode != http.StatusSeeOther || !strings.HasSuffix(done.Headers["Location"], "/submitted") {
		t.Fatalf("success URL: %d %v %s", done.StatusCode, done.Headers, done.Body)
	}
	jobID := strings.TrimSuffix(strings.TrimPrefix(done.Headers["Location"], "/jobs/"), "/submitted")
	job, err := e.st.Jobs.Get(ctx, jobID)
	if err != nil || job.UserID != ada.ID || job.InputKey != posted.Key || job.InputSize != int64(len(vcf)) || job.InputName != "calls.vcf" {
		t.Fatalf("job %+v, %v", job, err)
	}
	if n := e.sfn.Calls("StartExecution"); n != 1 {
		t.Errorf("StartExecution called %d times", n)
	}

	// AND the input downloads through a presigned link to the bucket, not through the Lambda
	dl := e.browser(t, http.MethodGet, "/jobs/"+jobID+"/input", "", nil, jar)
	link := dl.Headers["Location"]
	if dl.StatusCode != http.StatusSeeOther || !strings.Contains(link, "X-Amz-Signature=") {
		t.Fatalf("download: %d to %q", dl.StatusCode, link)
	}
	got, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); got.StatusCode != http.StatusOK || !bytes.Equal(b, vcf) {
		t.Errorf("presigned download: %d %q", got.StatusCode, b)
	}
}

func TestS3RefusesAnUploadOverTheFreeCap(t *testing.T) {
	// GIVEN a free user's signed form (cap 150,000 bytes)
	e := coldStart(t)
	ada, jar := e.signIn(t, "ada@example.org", domain.RoleFree)
	page := e.browser(t, http.MethodGet, "/annotate", "", nil, jar)

	// WHEN the browser posts a larger file anyway (bypassing the page's check)
	big := append([]byte("##fileformat=VCFv4.2\n"), bytes.Repeat([]byte("#"), 150_000)...)
	s3resp, success := directUpload(t, page.Body, "big.vcf", big)

	// THEN S3 refuses it, and the success URL, opened anyway, starts nothing
	if s3resp.StatusCode == http.StatusCreated {
		t.Fatalf("S3 accepted %d bytes over a 150,000-byte policy", len(big))
	}
	job := strings.SplitN(strings.TrimPrefix(success, "/annotate/uploaded?job="), "&", 2)[0]
	r := e.browser(t, http.MethodGet, success+"&key="+url.QueryEscape("inputs/"+ada.ID+"/"+job+"/big.vcf"), "", nil, jar)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "did not arrive") {
		t.Errorf("refused upload's key: %d %s", r.StatusCode, r.Body)
	}
	r = e.browser(t, http.MethodGet, success+"&key="+url.QueryEscape("inputs/someone-else/"+job+"/big.vcf"), "", nil, jar)
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("foreign key: %d", r.StatusCode)
	}
	if n := e.sfn.Calls("StartExecution"); n != 0 {
		t.Errorf("StartExecution called %d times", n)
	}
}

// apiBuckets maps the stack's bucket names to the emulator's.
var apiBuckets = map[string]string{"inputs": "gas-inputs", "results": "gas-results", "audit": "gas-audit"}

// admin runs setup or inspection with every S3 call allowed, then enforces
// the api role's grants again.
func (e *lambdaEnv) admin(t *testing.T, f func()) {
	t.Helper()
	e.s3.Enforce(nil, "", nil)
	defer e.s3.As(t, e.roles, "api", apiBuckets)
	f()
}

// TestResultCopiesComeFromTheDownloadLambda: on AWS the plain VCF of a
// result is a copy the download Lambda makes (invoked by the api Lambda,
// which waits for a small result), linked with a presigned GET.
func TestResultCopiesComeFromTheDownloadLambda(t *testing.T) {
	ctx := context.Background()
	// GIVEN the api Lambda on the emulators and a user's completed job with a BGZF result
	e := coldStart(t)
	ada, jar := e.signIn(t, "ada@example.org", domain.RoleFree)
	plain := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nMT\t73\t.\tA\tG\t.\tPASS\tCSQ=G|x\n"
	key := "results/" + ada.ID + "/job-7/annotated.vcf.gz"
	e.admin(t, func() {
		if err := e.st.Blobs.Put(ctx, key, bytes.NewReader(vcftest.BGZF(t, plain))); err != nil {
			t.Fatal(err)
		}
	})
	now := time.Now().UTC()
	if err := e.st.Jobs.Create(ctx, domain.Job{ID: "job-7", UserID: ada.ID, InputName: "calls.vcf", InputKey: "inputs/" + ada.ID + "/job-7/calls.vcf",
		SubmittedAt: now, CompletedAt: now, Status: domain.StatusCompleted, ResultKey: key, ResultState: domain.ResultAvailable}); err != nil {
		t.Fatal(err)
	}

	// WHEN the browser asks for the plain VCF
	dl := e.browser(t, http.MethodGet, "/jobs/job-7/result?format=vcf", "", nil, jar)
	// THEN the api Lambda invoked the download Lambda and waited, and links its copy
	calls := e.lambda.Calls()
	if len(calls) != 1 || calls[0].Type != "RequestResponse" || calls[0].Function != downloadFunction ||
		string(calls[0].Payload) != `{"job_id":"job-7","format":"vcf"}` {
		t.Fatalf("invocations %+v", calls)
	}
	link := dl.Headers["Location"]
	if dl.StatusCode != http.StatusSeeOther || !strings.Contains(link, "/download/annotated.vcf?") {
		t.Fatalf("download: %d to %q %s", dl.StatusCode, link, dl.Body)
	}
	got, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); got.StatusCode != http.StatusOK || string(b) != plain {
		t.Errorf("presigned download: %d %q", got.StatusCode, b)
	}
	// AND a second request links the same copy without invoking again
	if again := e.browser(t, http.MethodGet, "/jobs/job-7/result", "", nil, jar); again.StatusCode != http.StatusSeeOther || len(e.lambda.Calls()) != 1 {
		t.Errorf("second download: %d, %d invocations", again.StatusCode, len(e.lambda.Calls()))
	}
}
