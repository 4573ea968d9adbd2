package webui_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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
	f.Add(valid, "", boundary+"\r\nContent-Length: 0") // a header smuggled in through the boundary
	addr := h.srv.Listener.Addr().String()
	f.Fuzz(func(t *testing.T, body, name, boundary string) {
		if name != "" {
			body = strings.Replace(body, "ok.vcf", name, 1)
		}
		status, ctype, answer := rawUpload(t, addr, token, boundary, body)
		switch {
		case status >= 500:
			t.Fatalf("%d %s for body %q", status, answer, body)
		case strings.HasPrefix(ctype, "application/json"):
			if !json.Valid([]byte(answer)) {
				t.Fatalf("%d: not JSON: %q", status, answer)
			}
		case status != 400 || !strings.HasPrefix(answer, "400 Bad Request"):
			// Only net/http itself, refusing a request it cannot parse
			// (a control character in the boundary), answers otherwise.
			t.Fatalf("%d %s: %q", status, ctype, answer)
		}
	})
}

// rawUpload sends the upload as raw bytes, so a boundary no HTTP client
// would send (a NUL, a line break) reaches the server as a hostile one would.
func rawUpload(t *testing.T, addr, token, boundary, body string) (status int, ctype, answer string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(conn, "POST /api/v1/jobs HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		token, boundary, len(body), body)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no HTTP answer: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}
