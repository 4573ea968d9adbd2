package outbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

var fixedNow = time.Date(2026, 7, 14, 9, 5, 3, 0, time.FixedZone("CEST", 2*3600))

// parsed is what a mail client sees.
type parsed struct {
	header  mail.Header
	subject string
	body    string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	if !bytes.Contains(raw, []byte("\r\n\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("message does not use CRLF line ends:\n%q", raw)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", msg.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return parsed{header: msg.Header, subject: subject, body: string(body)}
}

func TestDirWritesOneEmlPerMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	mailer, err := NewDir(dir, DirOptions{From: "GAS Portal <noreply@gas.example>", Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []domain.Message{
		{To: "ada@example.org", Subject: "Job j-1 completed", Text: "Your job j-1 (test.vcf) finished.\nhttp://127.0.0.1:8080/jobs/j-1\n"},
		{To: "Zoë Müller <zoe@example.org>", Subject: "Résultats prêts — 結果", Text: "Grüße, a long line " + strings.Repeat("x", 120) + " end"},
	}
	for _, m := range msgs {
		if err := mailer.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(msgs) {
		t.Fatalf("%d files in the outbox, want %d", len(entries), len(msgs))
	}
	seen := map[string]parsed{}
	ids := map[string]bool{}
	for _, e := range entries {
		if !regexp.MustCompile(`^20260714T070503\.000000000Z-[0-9a-f]{8}\.eml$`).MatchString(e.Name()) {
			t.Errorf("file name %q", e.Name())
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := parse(t, raw)
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 {
				t.Errorf("line of %d bytes", len(line))
			}
			if line == "" {
				break // only header lines must be ASCII
			}
			for _, r := range line {
				if r > 127 {
					t.Errorf("non-ASCII header line %q", line)
					break
				}
			}
		}
		date, err := p.header.Date()
		if err != nil || !date.Equal(fixedNow) {
			t.Errorf("Date = %v, %v", date, err)
		}
		if !regexp.MustCompile(`^<[0-9a-f]{24}@gas\.example>$`).MatchString(p.header.Get("Message-Id")) {
			t.Errorf("Message-ID %q", p.header.Get("Message-Id"))
		}
		ids[p.header.Get("Message-Id")] = true
		if ct := p.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		from, err := p.header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != "noreply@gas.example" || from[0].Name != "GAS Portal" {
			t.Errorf("From = %v, %v", from, err)
		}
		seen[p.subject] = p
	}
	if len(ids) != len(msgs) {
		t.Errorf("Message-IDs repeat: %v", ids)
	}
	for _, m := range msgs {
		p, ok := seen[m.Subject]
		if !ok {
			t.Errorf("no message with subject %q (have %v)", m.Subject, seen)
			continue
		}
		if got := strings.ReplaceAll(p.body, "\r\n", "\n"); strings.TrimRight(got, "\n") != strings.TrimRight(m.Text, "\n") {
			t.Errorf("body = %q, want %q", got, m.Text)
		}
		to, err := p.header.AddressList("To")
		want, _ := mail.ParseAddress(m.To)
		if err != nil || len(to) != 1 || to[0].Address != want.Address || to[0].Name != want.Name {
			t.Errorf("To = %v, %v; want %v", to, err, want)
		}
	}
}

func TestRejectsHeaderInjection(t *testing.T) {
	dir := t.TempDir()
	mailer, err := NewDir(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := []domain.Message{
		{To: "ada@example.org\r\nBcc: everyone@example.org", Subject: "hi"},
		{To: "ada@example.org, bob@example.org", Subject: "hi"},
		{To: "not an address", Subject: "hi"},
		{To: "ada@example.org", Subject: "hi\r\nBcc: everyone@example.org"},
		{To: "ada@example.org", Subject: "hi\nX-Evil: 1"},
	}
	for _, m := range bad {
		if err := mailer.Send(context.Background(), m); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Send(%q, %q): err = %v, want ErrInvalid", m.To, m.Subject, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written for rejected messages", len(entries))
	}
	if _, err := NewDir(t.TempDir(), DirOptions{From: "nobody"}); err == nil {
		t.Error("NewDir accepted a sender that is not an address")
	}
}

// fakeSMTP accepts one session and records the envelope and data.
type fakeSMTP struct {
	addr  string
	done  chan struct{}
	from  string
	rcpt  string
	data  []byte
	reply map[string]string // command prefix -> reply overriding the default
}

func startFakeSMTP(t *testing.T, reply map[string]string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeSMTP{addr: ln.Addr().String(), done: make(chan struct{}), reply: reply}
	go func() {
		defer close(f.done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		say := func(s string) { io.WriteString(conn, s+"\r\n") }
		say("220 fake ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimRight(line, "\r\n")
			upper := strings.ToUpper(cmd)
			if rep, ok := f.reply[strings.SplitN(upper, ":", 2)[0]]; ok {
				say(rep)
				continue
			}
			switch {
			case strings.HasPrefix(upper, "EHLO"):
				say("250 fake")
			case strings.HasPrefix(upper, "MAIL FROM:"):
				f.from = cmd[len("MAIL FROM:"):]
				say("250 ok")
			case strings.HasPrefix(upper, "RCPT TO:"):
				f.rcpt = cmd[len("RCPT TO:"):]
				say("250 ok")
			case upper == "DATA":
				say("354 go on")
				var buf bytes.Buffer
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					buf.WriteString(strings.TrimPrefix(l, ".")) // undo dot-stuffing
				}
				f.data = buf.Bytes()
				say("250 queued")
			case upper == "QUIT":
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	return f
}

func TestSMTPSends(t *testing.T) {
	srv := startFakeSMTP(t, nil)
	mailer, err := NewSMTP(SMTPOptions{Addr: srv.addr, From: "GAS <gas@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	text := "line one\n.line starting with a dot\nünïcode"
	if err := mailer.Send(context.Background(), domain.Message{To: "ada@example.org", Subject: "Job done ✓", Text: text}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	<-srv.done
	if srv.from != "<gas@example.org>" || srv.rcpt != "<ada@example.org>" {
		t.Errorf("envelope from %q to %q", srv.from, srv.rcpt)
	}
	p := parse(t, srv.data)
	if p.subject != "Job done ✓" || strings.TrimRight(strings.ReplaceAll(p.body, "\r\n", "\n"), "\n") != text {
		t.Errorf("received subject %q body %q", p.subject, p.body)
	}
}

func TestSMTPErrors(t *testing.T) {
	srv := startFakeSMTP(t, map[string]string{"RCPT TO": "550 no such user"})
	mailer, err := NewSMTP(SMTPOptions{Addr: srv.addr})
	if err != nil {
		t.Fatal(err)
	}
	err = mailer.Send(context.Background(), domain.Message{To: "ghost@example.org", Subject: "x", Text: "y"})
	if err == nil || !strings.Contains(err.Error(), "RCPT") || !strings.Contains(err.Error(), "550") {
		t.Errorf("Send to a refused recipient: err = %v", err)
	}
	if _, err := NewSMTP(SMTPOptions{Addr: "no-port"}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("NewSMTP without a port: err = %v", err)
	}
}
