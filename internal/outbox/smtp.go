package outbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// SMTPOptions configures delivery through a mail server.
type SMTPOptions struct {
	Addr     string // host:port, e.g. "smtp.example.org:587"
	Username string // PLAIN auth when set; net/smtp sends it only over TLS or to localhost
	Password string
	From     string           // sender; DefaultFrom if empty
	Now      func() time.Time // time.Now if nil
}

// SMTP is a domain.Mailer that sends through a mail server, with STARTTLS
// when the server offers it.
type SMTP struct {
	opts SMTPOptions
	host string
}

var _ domain.Mailer = (*SMTP)(nil)

// NewSMTP checks opts and returns the mailer; it does not connect yet.
func NewSMTP(opts SMTPOptions) (*SMTP, error) {
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: want host:port: %w", opts.Addr, domain.ErrInvalid)
	}
	if opts.From == "" {
		opts.From = DefaultFrom
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if _, err := render(domain.Message{To: "check@example.org"}, opts.From, opts.Now()); err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return &SMTP{opts: opts, host: host}, nil
}

// Send delivers m in one SMTP session.
func (s *SMTP) Send(ctx context.Context, m domain.Message) error {
	env, err := render(m, s.opts.From, s.opts.Now())
	if err != nil {
		return fmt.Errorf("send mail to %s: %w", m.To, err)
	}
	if err := s.deliver(ctx, env); err != nil {
		return fmt.Errorf("send mail to %s via %s: %w", m.To, s.opts.Addr, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, env envelope) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return err
	}
	// The whole session shares the context's deadline, or a minute.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.host}); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.opts.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.opts.Username, s.opts.Password, s.host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(env.from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(env.to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(env.data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}
