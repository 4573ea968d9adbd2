// Package outbox delivers GAS email locally. Dir, the default, writes each
// message as one RFC 5322 file (<time>-<id>.eml) into a directory, where a
// developer or a test reads it; SMTP sends through a mail server when one is
// configured. Both implement domain.Mailer and render the same message:
// Date, From, To, Subject (RFC 2047 encoded when not ASCII), Message-ID and a
// text/plain; charset=utf-8 body in quoted-printable.
package outbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// DefaultFrom is the sender when none is configured.
const DefaultFrom = "GAS <gas@localhost>"

// envelope is a rendered message and the addresses an SMTP server needs.
type envelope struct {
	from, to string // bare addresses
	data     []byte // the RFC 5322 message, CRLF line ends
}

// render builds the message. It refuses what could inject headers: a To
// that is not one address, a subject with line breaks.
func render(m domain.Message, from string, now time.Time) (envelope, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return envelope{}, fmt.Errorf("sender %q: %v: %w", from, err, domain.ErrInvalid)
	}
	rcpt, err := mail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(m.To, "\r\n") {
		return envelope{}, fmt.Errorf("recipient %q: not one email address: %w", m.To, domain.ErrInvalid)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return envelope{}, fmt.Errorf("subject %q: contains a line break: %w", m.Subject, domain.ErrInvalid)
	}
	domainPart := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]

	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("Date", now.Format(time.RFC1123Z))
	header("From", sender.String())
	header("To", rcpt.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Message-ID", "<"+randomID()+"@"+domainPart+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return envelope{}, err
	}
	if err := qp.Close(); err != nil {
		return envelope{}, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return envelope{from: sender.Address, to: rcpt.Address, data: b.Bytes()}, nil
}

func randomID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}
