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
			return c.RetentionSeconds == 180 && c.FreeCapBytes == 150_000 && c.PremiumCapBytes == 1<<30 && c.DistDir == "dist"
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
		{"premium below free", map[string]any{"freeCapBytes": "10", "premiumCapBytes": "5"}, nil, "free cap"},
		{"premium above S3 POST limit", map[string]any{"premiumCapBytes": "6000000000"}, nil, "5 GiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromContext(func(k string) any { return tc.ctx[k] })
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

func TestConstructID(t *testing.T) {
	for in, want := range map[string]string{"mark-failed": "MarkFailed", "api": "Api", "notify-restored": "NotifyRestored"} {
		if got := constructID(in); got != want {
			t.Errorf("constructID(%q) = %q, want %q", in, got, want)
		}
	}
}
