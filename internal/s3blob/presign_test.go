package s3blob

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
)

// postForm submits an upload form as a browser would: the fields, then the file.
func postForm(t *testing.T, form UploadForm, fields map[string]string, filename string, body []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post(form.URL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPresignedPostIsEnforced(t *testing.T) {
	const prefix = "inputs/user-1/up-1/"
	fake, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	ctx := context.Background()
	form, err := store.PresignPost(ctx, UploadPolicy{KeyPrefix: prefix, MaxBytes: 100, TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	field := func(k string) string { // form field names are case-insensitive
		for fk, fv := range form.Fields {
			if strings.EqualFold(fk, k) {
				return fv
			}
		}
		t.Fatalf("form has no field %s: %v", k, form.Fields)
		return ""
	}
	with := func(k, v string) map[string]string {
		f := map[string]string{}
		for fk, fv := range form.Fields {
			if !strings.EqualFold(fk, k) {
				f[fk] = fv
			}
		}
		f[k] = v
		return f
	}
	flip := func(s string) string { // change one character, keeping the encoding valid
		b := []byte(s)
		if b[0] == 'a' {
			b[0] = 'b'
		} else {
			b[0] = 'a'
		}
		return string(b)
	}
	policy, _ := base64.StdEncoding.DecodeString(field("policy"))
	richer := base64.StdEncoding.EncodeToString(bytes.Replace(policy, []byte(`100]`), []byte(`100000]`), 1))

	tests := []struct {
		name     string
		fields   map[string]string
		size     int
		advance  time.Duration
		status   int
		code     string // S3 error code in the body
		wantSize int64  // 0: the object must not exist
	}{
		{"within the cap", form.Fields, 100, 0, http.StatusCreated, "", 100},
		{"one byte over the cap", form.Fields, 101, 0, http.StatusBadRequest, "EntityTooLarge", 0},
		{"empty file", form.Fields, 0, 0, http.StatusBadRequest, "EntityTooSmall", 0},
		{"tampered signature", with("x-amz-signature", flip(field("x-amz-signature"))), 10, 0, http.StatusForbidden, "SignatureDoesNotMatch", 0},
		{"policy raised without re-signing", with("policy", richer), 1000, 0, http.StatusForbidden, "SignatureDoesNotMatch", 0},
		{"key outside the user's prefix", with("key", "inputs/user-2/x.vcf"), 10, 0, http.StatusForbidden, "AccessDenied", 0},
		{"encryption field dropped", with("x-amz-server-side-encryption", "aws:kms"), 10, 0, http.StatusForbidden, "AccessDenied", 0},
		{"field not in the policy", with("acl", "public-read"), 10, 0, http.StatusForbidden, "AccessDenied", 0},
		{"expired form", form.Fields, 10, 6 * time.Minute, http.StatusForbidden, "AccessDenied", 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// GIVEN a signed form; WHEN a browser posts a file with it
			fake.Advance(tc.advance)
			name := "case" + string(rune('a'+i)) + ".vcf"
			resp := postForm(t, form, tc.fields, name, bytes.Repeat([]byte("x"), tc.size))
			body, _ := io.ReadAll(resp.Body)

			// THEN S3 accepts or refuses it as the policy says
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.code) {
				t.Errorf("status %d body %s; want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			info, err := store.Head(ctx, prefix+name)
			switch {
			case tc.wantSize == 0 && !errors.Is(err, domain.ErrNotFound):
				t.Errorf("refused upload stored an object: %+v, %v", info, err)
			case tc.wantSize > 0 && (err != nil || info.Size != tc.wantSize):
				t.Errorf("Head = %+v, %v; want %d bytes", info, err, tc.wantSize)
			}
		})
	}
}

func TestPresignedPostRedirectsWithTheKey(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	form, err := store.PresignPost(context.Background(), UploadPolicy{
		KeyPrefix: "inputs/u/1/", MaxBytes: 10, SuccessRedirect: "https://gas.example.org/uploads/done?upload=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(form.Expires) > DefaultUploadTTL || time.Until(form.Expires) < DefaultUploadTTL-time.Minute {
		t.Errorf("form expires at %v, want in about %v", form.Expires, DefaultUploadTTL)
	}
	resp := postForm(t, form, form.Fields, "my calls.vcf", []byte("##vcf"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Host != "gas.example.org" || loc.Query().Get("upload") != "1" || loc.Query().Get("key") != "inputs/u/1/my calls.vcf" {
		t.Errorf("redirect to %s", loc)
	}
}

func TestPresignPostRejectsBadPolicies(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	for _, p := range []UploadPolicy{
		{KeyPrefix: "inputs/u", MaxBytes: 10},   // no trailing slash
		{KeyPrefix: "../inputs/", MaxBytes: 10}, // escapes
		{KeyPrefix: "inputs/u/", MaxBytes: 0},   // no cap
		{KeyPrefix: "/inputs/u/", MaxBytes: 10}, // absolute
	} {
		if _, err := store.PresignPost(context.Background(), p); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("PresignPost(%+v): err = %v, want ErrInvalid", p, err)
		}
	}
}

func TestPresignedGetDownloadsWithTheName(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	ctx := context.Background()
	if err := store.Put(ctx, "results/u/j/annotated.vcf", strings.NewReader("##fileformat=VCFv4.2\n")); err != nil {
		t.Fatal(err)
	}
	link, err := store.PresignGet(ctx, "results/u/j/annotated.vcf", 15*time.Minute, "calls.annotated.vcf")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	if q.Get("X-Amz-Expires") != "900" || q.Get("X-Amz-Signature") == "" ||
		q.Get("response-content-disposition") != `attachment; filename=calls.annotated.vcf` {
		t.Errorf("presigned URL %s lacks expiry, signature or download name", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "##fileformat=VCFv4.2\n" {
		t.Errorf("GET %s = %d %q", link, resp.StatusCode, body)
	}
}
