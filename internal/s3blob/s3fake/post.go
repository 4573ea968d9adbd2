package s3fake

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxPostBody bounds what the fake reads of one upload; the policy's
// content-length-range decides what is accepted.
const maxPostBody = 64 << 20

// postUpload handles a browser form upload (POST Object) the way S3 does
// with a Signature Version 4 policy: the policy must be signed with a key the
// server knows, not expired, and satisfied by every form field and by the
// file's size; every field must be covered by a condition.
func (s *Server) postUpload(w http.ResponseWriter, r *http.Request, bucket string) {
	fields, filename, body, err := readForm(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "MalformedPOSTRequest", err.Error())
		return
	}
	if code, msg := s.checkSignature(fields); code != "" {
		writeError(w, http.StatusForbidden, code, msg)
		return
	}
	raw, _ := base64.StdEncoding.DecodeString(fields["policy"])
	var policy struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidPolicyDocument", "policy is not JSON")
		return
	}
	exp, err := time.Parse(time.RFC3339, policy.Expiration)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidPolicyDocument", "bad expiration")
		return
	}
	if !s.Now().Before(exp) {
		writeError(w, http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Policy expired.")
		return
	}
	fields["key"] = strings.ReplaceAll(fields["key"], "${filename}", filename)
	fields["bucket"] = bucket
	covered := map[string]bool{}
	size := int64(len(body))
	for _, c := range policy.Conditions {
		if status, code, msg := checkCondition(c, fields, size, covered); code != "" {
			writeError(w, status, code, msg)
			return
		}
	}
	for name := range fields {
		n := strings.ToLower(name)
		if n == "policy" || n == "x-amz-signature" || n == "bucket" || strings.HasPrefix(n, "x-ignore-") || covered[n] {
			continue
		}
		writeError(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("Invalid according to Policy: Extra input fields: %s", name))
		return
	}
	key := fields["key"]
	if key == "" {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "key is required")
		return
	}
	meta := map[string]string{}
	if ct := fields["content-type"]; ct != "" {
		meta["Content-Type"] = ct
	}
	if _, err := s.backend.PutObject(bucket, key, meta, bytes.NewReader(body), size, nil); err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	s.setClass(bucket, key, "")
	sum := md5.Sum(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	switch {
	case fields["success_action_redirect"] != "":
		u, err := url.Parse(fields["success_action_redirect"])
		if err == nil {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", etag)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case fields["success_action_status"] == "201":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><PostResponse><Bucket>%s</Bucket><Key>%s</Key><ETag>%s</ETag></PostResponse>`,
			xmlEscape(bucket), xmlEscape(key), xmlEscape(etag))
	case fields["success_action_status"] == "200":
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// readForm reads the form fields (names lowercased, as S3 treats them) up to
// the file, the file's name and its content. Fields after the file are
// ignored, as by S3.
func readForm(r *http.Request) (map[string]string, string, []byte, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, "", nil, fmt.Errorf("not a multipart form")
	}
	mr := multipart.NewReader(io.LimitReader(r.Body, maxPostBody), params["boundary"])
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", nil, fmt.Errorf("the form has no file field")
		}
		if err != nil {
			return nil, "", nil, fmt.Errorf("read form: %w", err)
		}
		name := strings.ToLower(p.FormName())
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, "", nil, fmt.Errorf("read field %s: %w", name, err)
		}
		if name == "file" {
			return fields, p.FileName(), data, nil
		}
		fields[name] = string(data)
	}
}

// checkSignature verifies x-amz-signature over the policy with the SigV4
// signing key of the credential's date, region and service.
func (s *Server) checkSignature(f map[string]string) (code, msg string) {
	if f["x-amz-algorithm"] != "AWS4-HMAC-SHA256" {
		return "InvalidArgument", "unsupported x-amz-algorithm"
	}
	parts := strings.Split(f["x-amz-credential"], "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return "InvalidArgument", "malformed x-amz-credential"
	}
	if parts[0] != AccessKeyID {
		return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	key := hmacSHA256([]byte("AWS4"+SecretAccessKey), parts[1])
	for _, p := range parts[2:] {
		key = hmacSHA256(key, p)
	}
	want := hex.EncodeToString(hmacSHA256(key, f["policy"]))
	if !hmac.Equal([]byte(want), []byte(f["x-amz-signature"])) {
		return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	return "", ""
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// checkCondition applies one policy condition: {"field": "value"},
// ["eq", "$field", "value"], ["starts-with", "$field", "prefix"] or
// ["content-length-range", min, max].
func checkCondition(raw json.RawMessage, fields map[string]string, size int64, covered map[string]bool) (int, string, string) {
	deny := func(format string, a ...any) (int, string, string) {
		return http.StatusForbidden, "AccessDenied", "Invalid according to Policy: Policy Condition failed: " + fmt.Sprintf(format, a...)
	}
	var exact map[string]string
	if json.Unmarshal(raw, &exact) == nil {
		for k, v := range exact {
			k = strings.ToLower(k)
			covered[k] = true
			if fields[k] != v {
				return deny(`["eq", "$%s", %q]`, k, v)
			}
		}
		return 0, "", ""
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return http.StatusBadRequest, "InvalidPolicyDocument", "malformed condition " + string(raw)
	}
	op, _ := arr[0].(string)
	switch strings.ToLower(op) {
	case "content-length-range":
		lo, ok1 := arr[1].(float64)
		hi, ok2 := arr[2].(float64)
		if !ok1 || !ok2 {
			return http.StatusBadRequest, "InvalidPolicyDocument", "content-length-range needs two numbers"
		}
		if size > int64(hi) {
			return http.StatusBadRequest, "EntityTooLarge", fmt.Sprintf("Your proposed upload exceeds the maximum allowed size (%d > %d)", size, int64(hi))
		}
		if size < int64(lo) {
			return http.StatusBadRequest, "EntityTooSmall", fmt.Sprintf("Your proposed upload is smaller than the minimum allowed size (%d < %d)", size, int64(lo))
		}
		return 0, "", ""
	case "eq", "starts-with":
		field, _ := arr[1].(string)
		value, _ := arr[2].(string)
		name := strings.ToLower(strings.TrimPrefix(field, "$"))
		covered[name] = true
		if op == "eq" && fields[name] != value || op == "starts-with" && !strings.HasPrefix(fields[name], value) {
			return deny(`[%q, %q, %q]`, op, field, value)
		}
		return 0, "", ""
	default:
		return http.StatusBadRequest, "InvalidPolicyDocument", "unknown condition " + op
	}
}
