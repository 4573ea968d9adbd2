package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
)

// recorder wraps the Service's two stores and writes down each call (the
// method, and a rate-limit key without its email or client), so a test can
// show that two paths do the same work.
type recorder struct {
	profiles *memstore.Profiles
	store    *memstore.Auth
	calls    []string
}

func (r *recorder) note(call string) { r.calls = append(r.calls, call) }

func (r *recorder) Create(ctx context.Context, p domain.Profile) error {
	r.note("Profiles.Create")
	return r.profiles.Create(ctx, p)
}
func (r *recorder) Get(ctx context.Context, id string) (domain.Profile, error) {
	r.note("Profiles.Get")
	return r.profiles.Get(ctx, id)
}
func (r *recorder) GetByEmail(ctx context.Context, email string) (domain.Profile, error) {
	r.note("Profiles.GetByEmail")
	return r.profiles.GetByEmail(ctx, email)
}
func (r *recorder) Update(ctx context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	r.note("Profiles.Update")
	return r.profiles.Update(ctx, id, fn)
}

// recordingStore is the auth.Store side of a recorder.
type recordingStore struct{ *recorder }

func (r recordingStore) CreateSession(ctx context.Context, s auth.Session) error {
	r.note("CreateSession")
	return r.store.CreateSession(ctx, s)
}
func (r recordingStore) GetSession(ctx context.Context, h string, now time.Time) (auth.Session, error) {
	r.note("GetSession")
	return r.store.GetSession(ctx, h, now)
}
func (r recordingStore) DeleteSession(ctx context.Context, h string) error {
	r.note("DeleteSession")
	return r.store.DeleteSession(ctx, h)
}
func (r recordingStore) DeleteUserSessions(ctx context.Context, userID string) error {
	r.note("DeleteUserSessions")
	return r.store.DeleteUserSessions(ctx, userID)
}
func (r recordingStore) CreateToken(ctx context.Context, t auth.Token) error {
	r.note("CreateToken")
	return r.store.CreateToken(ctx, t)
}
func (r recordingStore) GetTokenByHash(ctx context.Context, h string) (auth.Token, error) {
	r.note("GetTokenByHash")
	return r.store.GetTokenByHash(ctx, h)
}
func (r recordingStore) ListTokens(ctx context.Context, userID string) ([]auth.Token, error) {
	r.note("ListTokens")
	return r.store.ListTokens(ctx, userID)
}
func (r recordingStore) DeleteToken(ctx context.Context, userID, id string) error {
	r.note("DeleteToken")
	return r.store.DeleteToken(ctx, userID, id)
}
func (r recordingStore) SetPasswordHash(ctx context.Context, userID, hash string) error {
	r.note("SetPasswordHash")
	return r.store.SetPasswordHash(ctx, userID, hash)
}
func (r recordingStore) PasswordHash(ctx context.Context, userID string) (string, error) {
	r.note("PasswordHash")
	return r.store.PasswordHash(ctx, userID)
}
func (r recordingStore) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	r.note("Hit " + key[:strings.LastIndex(key, ":")])
	return r.store.Hit(ctx, key, window, now)
}

// newRecorded is a Service over a recorder, with one account: owner@example.org.
func newRecorded(t *testing.T) (*auth.Service, *recorder, *memstore.Mailer, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := &recorder{profiles: memstore.NewProfiles(), store: memstore.NewAuth()}
	mail := &memstore.Mailer{}
	svc, err := auth.New(rec, recordingStore{rec}, auth.Config{
		Key: testKey, Argon2: cheap, Mailer: mail, BaseURL: "https://gas.test",
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	account(t, svc, "owner@example.org")
	rec.calls = nil
	return svc, rec, mail, &now
}

var linkRE = regexp.MustCompile(`https://gas\.test(/\S+)`)

// mailedLink is the token of the last message's link to path.
func mailedLink(t *testing.T, mail *memstore.Mailer, path string) string {
	t.Helper()
	sent := mail.Sent()
	if len(sent) == 0 {
		t.Fatal("no mail sent")
	}
	m := linkRE.FindStringSubmatch(sent[len(sent)-1].Text)
	if m == nil {
		t.Fatalf("no link in %q", sent[len(sent)-1].Text)
	}
	u, err := url.Parse(m[1])
	if err != nil || u.Path != path {
		t.Fatalf("link %q, want one to %s", m[1], path)
	}
	return u.Query().Get("t")
}

// TestSignUpTellsNothing: a sign-up for an address with an account answers
// exactly as one for a new address, after the same storage calls and one
// email each; only the mailbox learns which it was.
func TestSignUpTellsNothing(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, email string
		subject     string
		body        []string
	}{
		{"new address", "new@example.org", "Confirm your GAS account", []string{"https://gas.test/signup/confirm?t=", "within 24 hours", `"Neo"`}},
		{"address with an account", "owner@example.org", "Someone tried to create a GAS account with your address",
			[]string{"You already have one", "https://gas.test/signin\n", "https://gas.test/signin/forgot", "2026-03-01 12:00 UTC"}},
		{"with an account, other case", "Owner@Example.ORG", "Someone tried to create a GAS account with your address", []string{"nothing was created or changed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, rec, mail, _ := newRecorded(t)
			err := svc.SignUp(ctx, auth.SignUp{Email: tc.email, Name: "Neo", Client: "ip"})
			if err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			want := []string{"Hit signup:client", "Profiles.GetByEmail", "Hit mail"}
			if !slices.Equal(rec.calls, want) {
				t.Errorf("calls %q, want %q", rec.calls, want)
			}
			sent := mail.Sent()
			if len(sent) != 1 || sent[0].To != strings.ToLower(tc.email) || sent[0].Subject != tc.subject {
				t.Fatalf("sent %+v, want one %q to %s", sent, tc.subject, tc.email)
			}
			for _, w := range tc.body {
				if !strings.Contains(sent[0].Text, w) {
					t.Errorf("mail lacks %q:\n%s", w, sent[0].Text)
				}
			}
			if _, err := rec.profiles.GetByEmail(ctx, "new@example.org"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("an account exists before the link is followed: %v", err)
			}
		})
	}
}

// TestSignUpBadForms: a bad form gets its reason, whether or not the
// address has an account, and costs nothing from the client's budget.
func TestSignUpBadForms(t *testing.T) {
	ctx := context.Background()
	svc, rec, mail, _ := newRecorded(t)
	for _, tc := range []struct {
		name string
		in   auth.SignUp
		want string
	}{
		{"bad email", auth.SignUp{Email: "nope", Name: "A"}, `"nope" is not an email address`},
		{"no name, new", auth.SignUp{Email: "b@example.org", Name: " "}, "name must be 1 to 200 characters"},
		{"no name, taken", auth.SignUp{Email: "owner@example.org", Name: ""}, "name must be 1 to 200 characters"},
		{"long name", auth.SignUp{Email: "b@example.org", Name: strings.Repeat("n", 201)}, "name must be 1 to 200 characters"},
		{"long institution", auth.SignUp{Email: "b@example.org", Name: "B", Institution: strings.Repeat("i", 201)}, "institution must be at most 200"},
	} {
		err := svc.SignUp(ctx, tc.in)
		if !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalid with %q", tc.name, err, tc.want)
		}
	}
	if len(rec.calls) != 0 || len(mail.Sent()) != 0 {
		t.Errorf("bad forms made calls %q and sent %d mails", rec.calls, len(mail.Sent()))
	}
	noMail, err := auth.New(memstore.NewProfiles(), memstore.NewAuth(), auth.Config{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := noMail.SignUp(ctx, auth.SignUp{Email: "b@example.org", Name: "B"}); !errors.Is(err, auth.ErrNoMailer) {
		t.Errorf("without a mailer: %v, want ErrNoMailer", err)
	}
	if _, err := auth.New(memstore.NewProfiles(), memstore.NewAuth(), auth.Config{Key: testKey, Mailer: mail}); err == nil {
		t.Error("a Mailer without BaseURL was accepted")
	}
}

func TestConfirmSignUp(t *testing.T) {
	ctx := context.Background()
	svc, _, mail, now := newRecorded(t)
	if err := svc.SignUp(ctx, auth.SignUp{Email: "Neo@example.org", Name: "Neo", Institution: "Zion", Next: "/annotate", Client: "ip"}); err != nil {
		t.Fatal(err)
	}
	token := mailedLink(t, mail, "/signup/confirm")
	pa, err := svc.PendingSignUp(ctx, token)
	if want := (auth.PendingAccount{Email: "neo@example.org", Name: "Neo", Institution: "Zion", Next: "/annotate"}); err != nil || pa != want {
		t.Fatalf("PendingSignUp = %+v, %v; want %+v", pa, err, want)
	}
	for _, tc := range []struct {
		name, token, password string
		want                  error
	}{
		{"short password", token, "short", domain.ErrInvalid},
		{"password over 1024 bytes", token, strings.Repeat("p", 1025), domain.ErrInvalid},
		{"altered token", strings.Replace(token, token[:4], "AAAA", 1), "longenough", auth.ErrLinkInvalid},
		{"no MAC", strings.Split(token, ".")[0], "longenough", auth.ErrLinkInvalid},
		{"empty", "", "longenough", auth.ErrLinkInvalid},
	} {
		if _, _, err := svc.ConfirmSignUp(ctx, tc.token, tc.password); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	p, next, err := svc.ConfirmSignUp(ctx, token, "longenough")
	if err != nil || p.Email != "neo@example.org" || p.Name != "Neo" || p.Institution != "Zion" || p.Role != domain.RoleFree || next != "/annotate" {
		t.Fatalf("ConfirmSignUp = %+v, %q, %v", p, next, err)
	}
	if got, err := svc.SignIn(ctx, "neo@example.org", "longenough", "ip"); err != nil || got.ID != p.ID {
		t.Errorf("sign in with the chosen password: %+v, %v", got, err)
	}
	// Used once: the same link again finds the account.
	if _, _, err := svc.ConfirmSignUp(ctx, token, "another password"); !errors.Is(err, auth.ErrAccountExists) {
		t.Errorf("second use: err = %v, want ErrAccountExists", err)
	}
	// Expired after LinkTTL (24 h).
	if err := svc.SignUp(ctx, auth.SignUp{Email: "late@example.org", Name: "Late", Client: "ip"}); err != nil {
		t.Fatal(err)
	}
	late := mailedLink(t, mail, "/signup/confirm")
	*now = now.Add(24 * time.Hour)
	if _, _, err := svc.ConfirmSignUp(ctx, late, "longenough"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("after 24 h: err = %v, want ErrLinkInvalid", err)
	}
}

// TestSignUpLimits: every valid form counts against the client's budget,
// taken address or not, so the 429 tells nothing either; an address gets
// at most MailLimit (3) emails an hour however many clients ask.
func TestSignUpLimits(t *testing.T) {
	ctx := context.Background()
	svc, _, mail, now := newRecorded(t)
	signUp := func(email, client string) error {
		return svc.SignUp(ctx, auth.SignUp{Email: email, Name: "N", Client: client})
	}
	for i, email := range []string{"owner@example.org", "u1@example.org", "owner@example.org", "u2@example.org", "u3@example.org"} {
		if err := signUp(email, "ip"); err != nil {
			t.Fatalf("sign-up %d: %v", i+1, err)
		}
	}
	for _, email := range []string{"u4@example.org", "owner@example.org"} {
		if err := signUp(email, "ip"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("6th from one address (%s): err = %v, want ErrRateLimited", email, err)
		}
	}
	// One address, many clients: three emails, then silence, the same answer.
	for i := range 5 {
		if err := signUp("target@example.org", fmt.Sprintf("ip%d", i)); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	count := func(to string) (n int) {
		for _, m := range mail.Sent() {
			if m.To == to {
				n++
			}
		}
		return n
	}
	if n := count("target@example.org"); n != 3 {
		t.Errorf("target got %d mails, want 3", n)
	}
	if n := count("owner@example.org"); n != 2 {
		t.Errorf("owner got %d notices, want 2", n)
	}
	*now = now.Add(time.Hour)
	if err := signUp("target@example.org", "ip9"); err != nil || count("target@example.org") != 4 {
		t.Errorf("after the hour: %v, %d mails", err, count("target@example.org"))
	}
}

// TestResetTellsNothing: a reset request for an address without an account
// answers as one for an account's address, after the same calls.
func TestResetTellsNothing(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, email, subject, body string
	}{
		{"account", "owner@example.org", "Choose a new GAS password", "https://gas.test/signin/reset?t="},
		{"no account", "nobody@example.org", "Password reset for GAS", "there is no\naccount for it. To create one: https://gas.test/signup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, rec, mail, _ := newRecorded(t)
			if err := svc.RequestReset(ctx, tc.email, "ip"); err != nil {
				t.Fatal(err)
			}
			want := []string{"Hit reset:client", "Profiles.GetByEmail", "PasswordHash", "Hit mail"}
			if !slices.Equal(rec.calls, want) {
				t.Errorf("calls %q, want %q", rec.calls, want)
			}
			sent := mail.Sent()
			if len(sent) != 1 || sent[0].To != tc.email || sent[0].Subject != tc.subject || !strings.Contains(sent[0].Text, tc.body) {
				t.Errorf("sent %+v, want %q with %q", sent, tc.subject, tc.body)
			}
		})
	}
}

func TestResetPassword(t *testing.T) {
	ctx := context.Background()
	svc, _, mail, now := newRecorded(t)
	if err := svc.RequestReset(ctx, "not an address", "ip"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("bad address: %v", err)
	}
	if err := svc.RequestReset(ctx, "Owner@example.org", "ip"); err != nil {
		t.Fatal(err)
	}
	token := mailedLink(t, mail, "/signin/reset")
	owner, err := svc.PendingReset(ctx, token)
	if err != nil || owner.Email != "owner@example.org" {
		t.Fatalf("PendingReset = %+v, %v", owner, err)
	}
	stolen, err := svc.StartSession(ctx, owner.ID) // a browser that knew the old password
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ResetPassword(ctx, token, "short"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("short password: %v", err)
	}
	if _, err := svc.ResetPassword(ctx, token[1:], "new password"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("altered link: %v", err)
	}
	p, err := svc.ResetPassword(ctx, token, "new password")
	if err != nil || p.Email != "owner@example.org" {
		t.Fatalf("ResetPassword = %+v, %v", p, err)
	}
	if _, err := svc.SignIn(ctx, "owner@example.org", "longenough", "ip"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("old password after reset: %v", err)
	}
	if _, err := svc.SignIn(ctx, "owner@example.org", "new password", "ip"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := svc.SessionUser(ctx, stolen); !errors.Is(err, domain.ErrUnauthorized) {
		t.Errorf("a session from before the reset: %v, want ErrUnauthorized", err)
	}
	// The link works once: the password it was made for is gone.
	if _, err := svc.ResetPassword(ctx, token, "third password"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("second use: %v, want ErrLinkInvalid", err)
	}
	// And for LinkTTL: a fresh link, a day later.
	if err := svc.RequestReset(ctx, "owner@example.org", "ip"); err != nil {
		t.Fatal(err)
	}
	late := mailedLink(t, mail, "/signin/reset")
	*now = now.Add(24 * time.Hour)
	if _, err := svc.ResetPassword(ctx, late, "third password"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("after 24 h: %v, want ErrLinkInvalid", err)
	}
	// A sign-up link is no reset link, nor the other way round.
	if err := svc.SignUp(ctx, auth.SignUp{Email: "x@example.org", Name: "X", Client: "ip"}); err != nil {
		t.Fatal(err)
	}
	signup := mailedLink(t, mail, "/signup/confirm")
	if _, err := svc.ResetPassword(ctx, signup, "third password"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("sign-up link as reset link: %v", err)
	}
}

func TestResetRateLimited(t *testing.T) {
	ctx := context.Background()
	svc, _, _, _ := newRecorded(t)
	for i := range 5 {
		if err := svc.RequestReset(ctx, "owner@example.org", "ip"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	for _, email := range []string{"owner@example.org", "nobody@example.org"} {
		if err := svc.RequestReset(ctx, email, "ip"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("6th request (%s): %v, want ErrRateLimited", email, err)
		}
	}
	if err := svc.RequestReset(ctx, "owner@example.org", "other"); err != nil {
		t.Errorf("another client: %v", err)
	}
}
