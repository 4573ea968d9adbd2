package webui_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// FuzzUpload: whatever the body, file name and content type of an upload,
// the API answers a JSON error or a created job, never a 500.
//
//	go test ./webui -run '^$' -fuzz FuzzUpload -fuzztime 60s
func FuzzUpload(f *testing.F) {
	h := newHarness(f)
	_, token := h.user("fuzz@example.org", domain.RolePremium, false)
	body, ct := multipartFile(f, "ok.vcf", tinyVCF)
	valid := body.(*bytes.Buffer).String()
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(valid, "ok.vcf", boundary)
	f.Add(strings.Replace(valid, `filename="ok.vcf"`, "filename=\"a\x00b.vcf\"", 1), "", boundary)
	f.Add(valid[:len(valid)/2], "", boundary)
	f.Add(strings.Replace(valid, "##fileformat", "\xef\xbb\xbf##fileformat", 1), "", boundary)
	f.Add(strings.Replace(valid, "ok.vcf", "gpj\u202e.vcf", 1), "", boundary)
	f.Add("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n\x1f\x8b\x08\x00garbage\r\n--"+boundary+"--\r\n", "", boundary)
	f.Add("", "", "")
	f.Add(valid, "", strings.Repeat("b", 80))
	f.Fuzz(func(t *testing.T, body, name, boundary string) {
		if name != "" {
			body = strings.Replace(body, "ok.vcf", name, 1)
		}
		req, err := http.NewRequest("POST", h.srv.URL+"/api/v1/jobs", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		res, err := http.DefaultClient.Do(req)
		r := read(t, res, err)
		if r.status >= 500 {
			t.Fatalf("%d %s for body %q", r.status, r.body, body)
		}
		if !json.Valid([]byte(r.body)) {
			t.Fatalf("%d: not JSON: %q", r.status, r.body)
		}
	})
}
