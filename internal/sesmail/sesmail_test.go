package sesmail

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
)

// fakeSES answers SendEmail (POST /v2/email/outbound-emails, REST-JSON) and
// records what it was sent; a recipient named in reject is refused.
type fakeSES struct {
	reject string
	sent   []map[string]any
}

func (f *fakeSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	to := body["Destination"].(map[string]any)["ToAddresses"].([]any)[0]
	w.Header().Set("Content-Type", "application/json")
	if to == f.reject {
		w.Header().Set("X-Amzn-Errortype", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"message": "Email address is not verified."})
		return
	}
	f.sent = append(f.sent, body)
	json.NewEncoder(w).Encode(map[string]string{"MessageId": "m-1"})
}

func newMailer(t *testing.T, fake *fakeSES) *Mailer {
	t.Helper()
	client := sesv2.NewFromConfig(awstest.Serve(t, fake))
	m, err := New(client, "GAS <gas@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSendBuildsAPlainTextUTF8Message(t *testing.T) {
	fake := &fakeSES{}
	m := newMailer(t, fake)
	err := m.Send(context.Background(), domain.Message{To: "ada@example.org", Subject: "Job job-1 is done ✓", Text: "Results: https://gas.example.org/jobs/job-1\n"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.sent) != 1 {
		t.Fatalf("sent %d messages", len(fake.sent))
	}
	got, _ := json.Marshal(fake.sent[0])
	want := `{"Content":{"Simple":{"Body":{"Text":{"Charset":"UTF-8","Data":"Results: https://gas.example.org/jobs/job-1\n"}},"Subject":{"Charset":"UTF-8","Data":"Job job-1 is done ✓"}}},"Destination":{"ToAddresses":["ada@example.org"]},"FromEmailAddress":"GAS \u003cgas@example.org\u003e"}`
	if string(got) != want {
		t.Errorf("request\n got %s\nwant %s", got, want)
	}
}

func TestSendRefusesBadInputAndReportsRejections(t *testing.T) {
	fake := &fakeSES{reject: "sandboxed@example.org"}
	m := newMailer(t, fake)
	for _, msg := range []domain.Message{
		{To: "not an address", Subject: "s"},
		{To: "a@example.org\r\nBcc: all@example.org", Subject: "s"},
		{To: "a@example.org", Subject: "s\r\nBcc: all@example.org"},
		{To: "sandboxed@example.org", Subject: "s"},
	} {
		if err := m.Send(context.Background(), msg); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Send(%q, %q): err = %v, want ErrInvalid", msg.To, msg.Subject, err)
		}
	}
	if len(fake.sent) != 0 {
		t.Errorf("%d refused messages were sent", len(fake.sent))
	}
	if _, err := New(nil, "nobody"); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("New with a bad sender: err = %v", err)
	}
}
