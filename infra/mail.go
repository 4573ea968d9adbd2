package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newMailIdentity refers to the SES identity mail is sent from: one the
// operator verified in the account before deploying (Config.EmailIdentity,
// the sender's address or domain). The stack does not create it: Cognito
// refuses an unverified sender when it creates the user pool, and every
// mail would fail until someone clicked SES's confirmation link.
func newMailIdentity(scope constructs.Construct, cfg Config) awsses.IEmailIdentity {
	return awsses.EmailIdentity_FromEmailIdentityName(scope, jsii.String("Sender"), jsii.String(cfg.EmailIdentity))
}

// senderDomain is the part of an address after the last "@".
func senderDomain(addr string) string {
	return strings.ToLower(addr[strings.LastIndex(addr, "@")+1:])
}

// reservedMailDomains can never receive or verify mail (RFC 2606, RFC 6761):
// a sender there is a placeholder someone forgot to replace.
var reservedMailDomains = []string{"example.com", "example.net", "example.org"}

func isReservedMailDomain(d string) bool {
	for _, r := range reservedMailDomains {
		if d == r || strings.HasSuffix(d, "."+r) {
			return true
		}
	}
	for _, tld := range []string{".example", ".test", ".invalid", ".localhost"} {
		if strings.HasSuffix(d, tld) {
			return true
		}
	}
	return d == "localhost"
}
