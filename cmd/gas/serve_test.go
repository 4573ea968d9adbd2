package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/testshared"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"150KB", 150_000, false}, {"150 kb", 150_000, false}, {"150KiB", 153_600, false}, {"2MB", 2_000_000, false},
		{"1GiB", 1 << 30, false}, {"1234", 1234, false}, {"1.5MB", 1_500_000, false}, {"512B", 512, false},
		{"", 0, true}, {"KB", 0, true}, {"-1KB", 0, true}, {"ten", 0, true}, {"0", 0, true},
	} {
		got, err := parseSize(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestServeFlagsFromEnv(t *testing.T) {
	t.Setenv("GAS_ADDR", "127.0.0.1:9999")
	t.Setenv("GAS_DATA", "/tmp/gas-env")
	t.Setenv("GAS_RETENTION", "30s")
	t.Setenv("GAS_FREE_CAP", "1MB")
	t.Setenv("GAS_MAX_UPLOAD", "5MB")
	t.Setenv("GAS_RESTORE_RETRY", "45s")
	f, err := parseServeFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.addr != "127.0.0.1:9999" || f.data != "/tmp/gas-env" || f.retention != 30*time.Second || f.freeCap != 1e6 || f.maxUpload != 5e6 || f.restoreRetry != 45*time.Second {
		t.Errorf("from env: %+v", f)
	}
	// Flags win over the environment.
	f, err = parseServeFlags([]string{"--addr", "127.0.0.1:1", "--retention", "2m", "--free-cap", "150KB", "--max-upload", "10MB"})
	if err != nil {
		t.Fatal(err)
	}
	if f.addr != "127.0.0.1:1" || f.retention != 2*time.Minute || f.freeCap != 150_000 || f.maxUpload != 10e6 || f.baseURL != "http://127.0.0.1:1" {
		t.Errorf("flags: %+v", f)
	}
	for _, bad := range [][]string{{"--retention", "soon"}, {"--free-cap", "lots"}, {"--retention", "-1s"}, {"--restore-retry", "0s"}, {"extra"}} {
		if _, err := parseServeFlags(bad); err == nil {
			t.Errorf("parseServeFlags(%q) accepted", bad)
		}
	}
	t.Setenv("GAS_RETENTION", "forever")
	if _, err := parseServeFlags(nil); err == nil || !strings.Contains(err.Error(), "GAS_RETENTION") {
		t.Errorf("bad env: %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := loadKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatalf("new key: %d bytes, %v", len(k1), err)
	}
	k2, err := loadKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("key not kept: %v", err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "secret.key")); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode().Perm())
	}
	t.Setenv("GAS_SECRET_KEY", strings.Repeat("ab", 32))
	if k, err := loadKey(dir); err != nil || k[0] != 0xab {
		t.Errorf("env key: %x, %v", k, err)
	}
	t.Setenv("GAS_SECRET_KEY", "short")
	if _, err := loadKey(dir); err == nil {
		t.Error("short env key accepted")
	}
}

// TestServeAndUser runs `gas serve` for real: a user made by `gas user add`
// while it runs submits test.vcf through the API, and SIGTERM (here: the
// context) shuts the server down cleanly.
func TestServeAndUser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole service")
	}
	shared := testshared.Dir(t)
	data := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, []string{"--addr", addr, "--data", data, "--shared", shared}) }()
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not come up")
		}
	}

	var out bytes.Buffer
	if err := runUserAdd(ctx, []string{"--data", data, "--email", "Ada@Example.org", "--name", "Ada", "--role", "premium_user", "--password", "longenough"}, &out); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(out.String())
	token := words[len(words)-1]
	if !strings.HasPrefix(token, "gas_") || !strings.Contains(out.String(), "premium_user") {
		t.Fatalf("user add printed %q", out.String())
	}
	// Again: updates the same account (now an auditor) and prints a new token.
	out.Reset()
	if err := runUserAdd(ctx, []string{"--data", data, "--email", "ada@example.org", "--auditor"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "auditor ada@example.org (Ada, premium_user") {
		t.Errorf("update printed %q", out.String())
	}

	req, _ := http.NewRequest("GET", base+"/api/v1/account", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var acct struct {
		Email   string `json:"email"`
		Role    string `json:"role"`
		Auditor bool   `json:"auditor"`
	}
	json.NewDecoder(res.Body).Decode(&acct)
	res.Body.Close()
	if res.StatusCode != 200 || acct.Email != "ada@example.org" || acct.Role != "premium_user" || !acct.Auditor {
		t.Errorf("account: %d %+v", res.StatusCode, acct)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestUserAddErrors(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, args := range [][]string{
		{"--data", data},
		{"--data", data, "--email", "not-an-email"},
		{"--data", data, "--email", "a@example.org", "--role", "gold"},
		{"--data", data, "--email", "a@example.org", "--password", "short"},
	} {
		var out bytes.Buffer
		if err := runUserAdd(ctx, args, &out); err == nil {
			t.Errorf("gas user add %q succeeded: %s", args, out.String())
		}
	}
	if err := runUser(ctx, []string{"remove"}); err == nil {
		t.Error("gas user remove accepted")
	}
}

// freeAddr is a loopback address with a port free a moment ago, for a
// server the test starts by address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
