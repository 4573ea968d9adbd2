package s3fake

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Serve starts a fake with buckets on a test server (closed when t ends)
// and returns it with an S3 client signed for it.
func Serve(t testing.TB, buckets ...string) (*Server, *s3.Client) {
	t.Helper()
	fake, err := New(buckets...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, Client(srv.URL)
}

// As enforces role (see Enforce) until the returned function is called or
// t ends, whichever is first.
func (s *Server) As(t testing.TB, roles Roles, role string, buckets map[string]string) (done func()) {
	t.Helper()
	if err := s.Enforce(roles, role, buckets); err != nil {
		t.Fatal(err)
	}
	done = func() { s.Enforce(nil, "", nil) }
	t.Cleanup(done)
	return done
}
