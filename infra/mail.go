package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newMailIdentity verifies the sender with SES: the whole domain (DKIM
// records to publish are in the SES console) when the sender is on the
// portal's domain, otherwise just the address (SES mails a confirmation link).
func newMailIdentity(scope constructs.Construct, cfg Config) awsses.EmailIdentity {
	id := awsses.Identity_Email(jsii.String(cfg.EmailSender))
	if cfg.Domain != "" && strings.HasSuffix(cfg.EmailSender, "@"+cfg.Domain) {
		id = awsses.Identity_Domain(jsii.String(cfg.Domain))
	}
	return awsses.NewEmailIdentity(scope, jsii.String("Sender"), &awsses.EmailIdentityProps{Identity: id})
}
