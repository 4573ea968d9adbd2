package s3fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Roles are the S3 grants of the stack's Lambda roles, by function name (a
// task name, "api", ...), as infra/testdata/s3-policies.json holds them: the
// infra tests write that file from the synthesized template and fail when
// it is stale, so a test that enforces a role here runs against the grants
// that would be deployed.
type Roles map[string][]Statement

// Statement is one Allow statement of a role's policy, reduced to S3.
type Statement struct {
	Actions []string `json:"actions"` // IAM action patterns: "s3:GetObject", "s3:List*"
	// Resources are "<bucket>" (the bucket itself) or "<bucket>/<key
	// pattern>", where <bucket> is the stack's bucket name (inputs,
	// results, refdata, audit, accesslogs) and patterns use IAM's * and ?.
	Resources []string `json:"resources"`
	// Prefixes, when set, is the s3:prefix StringLike condition of a
	// ListBucket statement.
	Prefixes []string `json:"prefixes,omitempty"`
}

// LoadRoles reads a roles file (infra/testdata/s3-policies.json).
func LoadRoles(path string) (Roles, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("s3 roles: %w", err)
	}
	var r Roles
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("s3 roles %s: %w", path, err)
	}
	return r, nil
}

// Enforce makes the fake answer every later request as S3 answers a caller
// holding role's statements: 403 AccessDenied for a call the role may not
// make, and 403 instead of 404 for a missing key the role may not list.
// buckets maps the stack's bucket names (the roles file's) to the fake's.
// An empty role name lifts enforcement (test setup acts as an admin).
// Presigned URLs are checked as the role's own calls (S3 checks the
// signer's grants when a link is used); a browser POST upload is checked
// against its signed policy only.
func (s *Server) Enforce(roles Roles, role string, buckets map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if role == "" {
		s.policy = nil
		return nil
	}
	sts, ok := roles[role]
	if !ok {
		return fmt.Errorf("s3 roles: no role %q", role)
	}
	names := map[string]string{}
	for stack, fake := range buckets {
		names[fake] = stack
	}
	s.policy = &policy{role: role, statements: sts, stackName: names}
	return nil
}

type policy struct {
	role       string
	statements []Statement
	stackName  map[string]string // fake bucket -> the stack's bucket name
}

// access is one IAM authorization S3 makes for a request.
type access struct {
	action, bucket, key string
	prefix              string // ListBucket's prefix parameter
}

// allows reports whether a statement of p grants a.
func (p *policy) allows(a access) bool {
	bucket, ok := p.stackName[a.bucket]
	if !ok {
		return false
	}
	resource := bucket
	if a.key != "" {
		resource += "/" + a.key
	}
	for _, st := range p.statements {
		if !anyMatch(st.Actions, a.action) || !anyMatch(st.Resources, resource) {
			continue
		}
		if len(st.Prefixes) > 0 && !anyMatch(st.Prefixes, a.prefix) {
			continue
		}
		return true
	}
	return false
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch is IAM's wildcard match: * any run of characters (slashes
// included), ? any one character.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// accesses lists the authorizations S3 makes for r on bucket/key.
func accesses(r *http.Request, bucket, key string) []access {
	q := r.URL.Query()
	on := func(action string) access { return access{action: action, bucket: bucket, key: key} }
	switch {
	case key == "" && r.Method == http.MethodGet:
		return []access{{action: "s3:ListBucket", bucket: bucket, prefix: q.Get("prefix")}}
	case key == "" && r.Method == http.MethodPost && q.Has("delete"):
		return []access{{action: "s3:DeleteObject", bucket: bucket, key: "*"}} // DeleteObjects: any key
	case key == "" && r.Method == http.MethodPost:
		return nil // a browser upload: its signed policy is checked by postUpload
	case key == "":
		return []access{{action: "s3:" + r.Method + "Bucket", bucket: bucket}} // nothing GAS calls
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return []access{on("s3:GetObject")}
	case r.Method == http.MethodPost && q.Has("restore"):
		return []access{on("s3:RestoreObject")}
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		return []access{on("s3:AbortMultipartUpload")}
	case r.Method == http.MethodDelete && q.Has("versionId"):
		return []access{on("s3:DeleteObjectVersion")}
	case r.Method == http.MethodDelete:
		return []access{on("s3:DeleteObject")}
	case r.Method == http.MethodPut || r.Method == http.MethodPost: // PutObject, multipart, copies
		out := []access{on("s3:PutObject")}
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			if u, err := url.PathUnescape(strings.SplitN(src, "?", 2)[0]); err == nil {
				b, k, _ := strings.Cut(strings.TrimPrefix(u, "/"), "/")
				out = append(out, access{action: "s3:GetObject", bucket: b, key: k})
			}
		}
		return out
	}
	return []access{{action: "s3:" + r.Method, bucket: bucket, key: key}}
}

// authorize answers 403 and reports false when the enforced role may not
// make r. A read of a missing key by a role that may not list the bucket
// is 403 too, as on S3.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, bucket, key string) bool {
	s.mu.Lock()
	p := s.policy
	s.mu.Unlock()
	if p == nil {
		return true
	}
	for _, a := range accesses(r, bucket, key) {
		if !p.allows(a) {
			writeError(w, http.StatusForbidden, "AccessDenied",
				fmt.Sprintf("role %s is not allowed %s on %s/%s", p.role, a.action, a.bucket, a.key))
			return false
		}
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && key != "" && !s.exists(bucket, key) &&
		!p.allows(access{action: "s3:ListBucket", bucket: bucket, prefix: key}) {
		writeError(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("role %s may not list %s: a missing key answers 403", p.role, bucket))
		return false
	}
	return true
}

func (s *Server) exists(bucket, key string) bool {
	_, err := s.backend.HeadObject(bucket, key)
	return err == nil
}
