package main

import (
	"strings"
	"testing"
)

func TestConfigFromContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		check   func(Config) bool
		wantErr string
	}{
		{"defaults", nil, func(c Config) bool {
			return c.RetentionSeconds == 180 && c.FreeCapBytes == 150_000 && c.PremiumCapBytes == 1<<30 && c.DistDir == "dist" && c.AnnotateConcurrency == 100
		}, ""},
		{"number from cdk.json", map[string]any{"retentionSeconds": float64(600)}, func(c Config) bool { return c.RetentionSeconds == 600 }, ""},
		{"string from -c", map[string]any{"freeCapBytes": "1000"}, func(c Config) bool { return c.FreeCapBytes == 1000 }, ""},
		{"not a number", map[string]any{"retentionSeconds": "soon"}, nil, "retentionSeconds"},
		{"fraction", map[string]any{"retentionSeconds": 1.5}, nil, "whole number"},
		{"negative retention", map[string]any{"retentionSeconds": "-1"}, nil, "negative"},
		{"domain without certificate", map[string]any{"domain": "gas.example.org"}, nil, "certificateArn"},
		{"issuer without client", map[string]any{"oidcIssuer": "https://auth.globus.org"}, nil, "oidcClientId"},
		{"plain http issuer", map[string]any{"oidcIssuer": "http://x", "oidcClientId": "c"}, nil, "https"},
		{"bad sender", map[string]any{"emailSender": "nobody"}, nil, "emailSender"},
		{"no sender", map[string]any{"emailSender": nil}, nil, "emailSender: not set"},
		{"example sender", map[string]any{"emailSender": "gas@example.com", "emailIdentity": "example.com"}, nil, "reserved example domain"},
		{"example subdomain sender", map[string]any{"emailSender": "gas@mail.example.org", "emailIdentity": "mail.example.org"}, nil, "reserved example domain"},
		{"no verified identity", map[string]any{"emailIdentity": nil}, nil, "emailIdentity: not set"},
		{"identity of another domain", map[string]any{"emailIdentity": "other.org"}, nil, "does not cover"},
		{"identity is the address", map[string]any{"emailIdentity": "GAS@lab.gas-project.org"}, func(c Config) bool { return c.EmailIdentity == "GAS@lab.gas-project.org" }, ""},
		{"annotate concurrency", map[string]any{"annotateConcurrency": "0"}, func(c Config) bool { return c.AnnotateConcurrency == 0 }, ""},
		{"audit retention", map[string]any{"auditRetentionYears": "10"}, func(c Config) bool { return c.AuditRetentionYears == 10 }, ""},
		{"no audit retention", map[string]any{"auditRetentionYears": "0"}, nil, "auditRetentionYears=0"},
		{"billing test mode from -c", map[string]any{"billingTestMode": "true"}, func(c Config) bool { return c.BillingTestMode }, ""},
		{"billing test mode from cdk.json", map[string]any{"billingTestMode": true}, func(c Config) bool { return c.BillingTestMode }, ""},
		{"billing fails closed by default", nil, func(c Config) bool { return !c.BillingTestMode }, ""},
		{"billing test mode typo", map[string]any{"billingTestMode": "yes"}, nil, "true or false"},
		{"negative concurrency", map[string]any{"annotateConcurrency": "-2"}, nil, "annotateConcurrency"},
		{"premium below free", map[string]any{"freeCapBytes": "10", "premiumCapBytes": "5"}, nil, "free cap"},
		{"premium above S3 POST limit", map[string]any{"premiumCapBytes": "6000000000"}, nil, "5 GiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromContext(func(k string) any {
				if v, ok := tc.ctx[k]; ok {
					return v
				}
				return verifiedSender[k]
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

// verifiedSender is the context every case starts from: a deployment must
// name its sender and the verified SES identity covering it.
var verifiedSender = map[string]any{"emailSender": "gas@lab.gas-project.org", "emailIdentity": "lab.gas-project.org"}

func TestConstructID(t *testing.T) {
	for in, want := range map[string]string{"mark-failed": "MarkFailed", "api": "Api", "notify-restored": "NotifyRestored"} {
		if got := constructID(in); got != want {
			t.Errorf("constructID(%q) = %q, want %q", in, got, want)
		}
	}
}
