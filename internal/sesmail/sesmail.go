// Package sesmail sends GAS's email through Amazon SES (API v2): domain.Mailer
// on AWS. The sender must be an identity SES has verified (infra/ creates it).
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/gasproject/gas/internal/domain"
)

// API is the part of the SES v2 client the mailer uses; *sesv2.Client implements it.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ API = (*sesv2.Client)(nil)

// Mailer sends plain-text mail from one address.
type Mailer struct {
	api  API
	from string
}

var _ domain.Mailer = (*Mailer)(nil)

// New returns a mailer sending as from (an address SES has verified).
func New(api API, from string) (*Mailer, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, domain.ErrInvalid)
	}
	return &Mailer{api: api, from: from}, nil
}

// Send sends m as UTF-8 plain text. A recipient SES refuses (bad address,
// suppressed, or outside the sandbox's verified list) is domain.ErrInvalid.
func (m *Mailer) Send(ctx context.Context, msg domain.Message) error {
	if _, err := mail.ParseAddress(msg.To); err != nil || strings.ContainsAny(msg.To, "\r\n") {
		return fmt.Errorf("send mail to %q: bad address: %w", msg.To, domain.ErrInvalid)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return fmt.Errorf("send mail to %s: subject has a line break: %w", msg.To, domain.ErrInvalid)
	}
	utf8 := aws.String("UTF-8")
	_, err := m.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: []string{msg.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(msg.Subject), Charset: utf8},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(msg.Text), Charset: utf8}},
		}},
	})
	var rejected *types.MessageRejected
	switch {
	case errors.As(err, &rejected):
		return fmt.Errorf("send mail to %s: rejected by SES: %s: %w", msg.To, aws.ToString(rejected.Message), domain.ErrInvalid)
	case err != nil:
		return fmt.Errorf("send mail to %s: %w", msg.To, err)
	}
	return nil
}
