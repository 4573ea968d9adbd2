package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Config is what an operator chooses per deployment. Every field can be set
// with `cdk deploy -c key=value` (or in cdk.json's "context"); see the README
// section "Deploying to AWS".
type Config struct {
	// DistDir holds one folder per Lambda with its arm64 `bootstrap`
	// (written by `make build`).
	DistDir string
	// RetentionSeconds is how long a free user's result stays hot before it
	// is archived to the GLACIER storage class.
	RetentionSeconds int64
	// FreeCapBytes is the largest upload a free user may make.
	FreeCapBytes int64
	// PremiumCapBytes is the largest upload a premium user may make.
	PremiumCapBytes int64
	// Domain is the portal's custom domain (optional; needs CertificateARN).
	Domain string
	// CertificateARN is an ACM certificate for Domain in the stack's region.
	CertificateARN string
	// EmailSender is the From address; SES must verify it (or its domain).
	// There is no default: a placeholder sender fails every mail.
	EmailSender string
	// EmailIdentity names the SES identity, verified in the account and
	// region before deploying, that covers EmailSender: the address itself
	// or its domain (README: "Mail").
	EmailIdentity string
	// OIDCIssuer and OIDCClientID select an external OIDC provider (such as
	// Globus Auth) instead of the Cognito user pool the stack creates.
	OIDCIssuer   string
	OIDCClientID string
	// CognitoDomainPrefix is the hosted-UI domain prefix; it must be unique in
	// the region. Default: "gas-" followed by the account id.
	CognitoDomainPrefix string
	// AlarmEmail, if set, is subscribed to the alarms' SNS topic.
	AlarmEmail string
	// AnnotateConcurrency is the reserved concurrency of each annotation
	// function (0: none, for accounts whose concurrency quota is too small
	// to reserve any).
	AnnotateConcurrency int64
	// BillingTestMode lets the portal upgrade users without payment while
	// no Stripe keys are configured, with a banner on every page. Off, such
	// upgrades are refused: billing fails closed.
	BillingTestMode bool
	// ShardTmpMB and ShardMemoryMB size the AnnotateShard Lambda: /tmp must
	// hold the files of the largest chromosome of the bundle (one shard's
	// reference, fetched through a bounded cache). 0 derives them from
	// BundleDir, or takes the defaults (README, "Sizing AnnotateShard").
	ShardTmpMB    int64
	ShardMemoryMB int64
	// BundleDir is a local copy of the bundle the operator uploads (its
	// manifest and files are read at synth time to size AnnotateShard).
	BundleDir string
	// ShardConcurrency is the ShardMap's MaxConcurrency (0: AWS's limit).
	ShardConcurrency int64
	// AuditRetentionYears is how long the audit bucket's Object Lock
	// (COMPLIANCE) keeps each exported execution history undeletable.
	AuditRetentionYears int64
}

// Context keys, one per Config field.
const (
	ctxDistDir             = "distDir"
	ctxRetentionSeconds    = "retentionSeconds"
	ctxFreeCapBytes        = "freeCapBytes"
	ctxPremiumCapBytes     = "premiumCapBytes"
	ctxDomain              = "domain"
	ctxCertificateARN      = "certificateArn"
	ctxEmailSender         = "emailSender"
	ctxEmailIdentity       = "emailIdentity"
	ctxOIDCIssuer          = "oidcIssuer"
	ctxOIDCClientID        = "oidcClientId"
	ctxCognitoDomainPrefix = "cognitoDomainPrefix"
	ctxAlarmEmail          = "alarmEmail"
	ctxAnnotateConcurrency = "annotateConcurrency"
	ctxBillingTestMode     = "billingTestMode"
	ctxShardTmpMB          = "shardTmpMB"
	ctxShardMemoryMB       = "shardMemoryMB"
	ctxBundleDir           = "bundleDir"
	ctxShardConcurrency    = "shardConcurrency"
	ctxAuditRetentionYears = "auditRetentionYears"
)

// DefaultConfig is what a deployment gets when no context is given.
func DefaultConfig() Config {
	return Config{
		DistDir:          "dist",
		RetentionSeconds: 180,
		FreeCapBytes:     150_000, // the free tier's cap, as service.DefaultFreeCap
		// 1 GiB: what the annotate Lambda gets through well inside its
		// 15-minute limit at the measured rate (README, "Deploying to AWS").
		PremiumCapBytes: 1 << 30,
		// Of the default 1,000 per account and region: the rest stays for
		// the portal and the short workflow steps.
		AnnotateConcurrency: 100,
		// 40 shards at once: a 24-chromosome genome runs in one wave, well
		// inside the default 1,000 concurrent Lambda executions per region.
		ShardConcurrency: 40,
		// Auditors' usual horizon for records of regulated lab work.
		AuditRetentionYears: 7,
	}
}

// ConfigFromContext overlays context values (strings from `-c`, or JSON
// values from cdk.json) on the defaults. get returns nil for an unset key.
func ConfigFromContext(get func(key string) any) (Config, error) {
	c := DefaultConfig()
	strs := []struct {
		key string
		dst *string
	}{
		{ctxDistDir, &c.DistDir},
		{ctxDomain, &c.Domain},
		{ctxCertificateARN, &c.CertificateARN},
		{ctxEmailSender, &c.EmailSender},
		{ctxEmailIdentity, &c.EmailIdentity},
		{ctxOIDCIssuer, &c.OIDCIssuer},
		{ctxOIDCClientID, &c.OIDCClientID},
		{ctxCognitoDomainPrefix, &c.CognitoDomainPrefix},
		{ctxAlarmEmail, &c.AlarmEmail},
		{ctxBundleDir, &c.BundleDir},
	}
	for _, s := range strs {
		if v := get(s.key); v != nil {
			*s.dst = fmt.Sprint(v)
		}
	}
	if v := get(ctxBillingTestMode); v != nil {
		switch fmt.Sprint(v) {
		case "true":
			c.BillingTestMode = true
		case "false":
		default:
			return Config{}, fmt.Errorf("context %s=%v: want true or false", ctxBillingTestMode, v)
		}
	}
	ints := []struct {
		key string
		dst *int64
	}{
		{ctxRetentionSeconds, &c.RetentionSeconds},
		{ctxFreeCapBytes, &c.FreeCapBytes},
		{ctxPremiumCapBytes, &c.PremiumCapBytes},
		{ctxAnnotateConcurrency, &c.AnnotateConcurrency},
		{ctxShardTmpMB, &c.ShardTmpMB},
		{ctxShardMemoryMB, &c.ShardMemoryMB},
		{ctxShardConcurrency, &c.ShardConcurrency},
		{ctxAuditRetentionYears, &c.AuditRetentionYears},
	}
	for _, n := range ints {
		v := get(n.key)
		if v == nil {
			continue
		}
		i, err := toInt(v)
		if err != nil {
			return Config{}, fmt.Errorf("context %s: %w", n.key, err)
		}
		*n.dst = i
	}
	return c, c.Validate()
}

// Validate rejects settings that would deploy a broken stack.
func (c Config) Validate() error {
	switch {
	case c.DistDir == "":
		return fmt.Errorf("context %s: empty", ctxDistDir)
	case c.AnnotateConcurrency < 0:
		return fmt.Errorf("context %s: %d is negative", ctxAnnotateConcurrency, c.AnnotateConcurrency)
	case c.RetentionSeconds < 0:
		return fmt.Errorf("context %s: %d is negative", ctxRetentionSeconds, c.RetentionSeconds)
	case c.FreeCapBytes <= 0 || c.PremiumCapBytes < c.FreeCapBytes:
		return fmt.Errorf("context %s=%d, %s=%d: need 0 < free cap <= premium cap",
			ctxFreeCapBytes, c.FreeCapBytes, ctxPremiumCapBytes, c.PremiumCapBytes)
	case c.PremiumCapBytes > 5<<30:
		return fmt.Errorf("context %s=%d: S3 accepts at most 5 GiB in one POST", ctxPremiumCapBytes, c.PremiumCapBytes)
	case c.EmailSender == "":
		return fmt.Errorf("context %s: not set; give the address mail comes from (-c %s=gas@your-domain), which SES verifies", ctxEmailSender, ctxEmailSender)
	case !strings.Contains(c.EmailSender, "@"):
		return fmt.Errorf("context %s=%q: not an email address", ctxEmailSender, c.EmailSender)
	case isReservedMailDomain(senderDomain(c.EmailSender)):
		return fmt.Errorf("context %s=%q: %s is a reserved example domain, no mail can be sent from it", ctxEmailSender, c.EmailSender, senderDomain(c.EmailSender))
	case c.EmailIdentity == "":
		return fmt.Errorf("context %s: not set; verify %s (or its domain) in SES first and name that identity (README: Mail)", ctxEmailIdentity, c.EmailSender)
	case !strings.EqualFold(c.EmailIdentity, c.EmailSender) && !strings.EqualFold(c.EmailIdentity, senderDomain(c.EmailSender)):
		return fmt.Errorf("context %s=%q does not cover %s=%q: name the verified address itself or its domain", ctxEmailIdentity, c.EmailIdentity, ctxEmailSender, c.EmailSender)
	case (c.Domain == "") != (c.CertificateARN == ""):
		return fmt.Errorf("context %s and %s: set both or neither", ctxDomain, ctxCertificateARN)
	case (c.OIDCIssuer == "") != (c.OIDCClientID == ""):
		return fmt.Errorf("context %s and %s: set both or neither", ctxOIDCIssuer, ctxOIDCClientID)
	case c.OIDCIssuer != "" && !strings.HasPrefix(c.OIDCIssuer, "https://"):
		return fmt.Errorf("context %s=%q: must be an https URL", ctxOIDCIssuer, c.OIDCIssuer)
	case c.ShardTmpMB != 0 && (c.ShardTmpMB < 512 || c.ShardTmpMB > 10240):
		return fmt.Errorf("context %s=%d: Lambda's /tmp is 512 to 10240 MB", ctxShardTmpMB, c.ShardTmpMB)
	case c.ShardMemoryMB != 0 && (c.ShardMemoryMB < 128 || c.ShardMemoryMB > 10240):
		return fmt.Errorf("context %s=%d: Lambda's memory is 128 to 10240 MB", ctxShardMemoryMB, c.ShardMemoryMB)
	case c.AuditRetentionYears < 1 || c.AuditRetentionYears > 100:
		return fmt.Errorf("context %s=%d: the audit records' Object Lock retention is 1 to 100 years (it cannot be shortened once set)", ctxAuditRetentionYears, c.AuditRetentionYears)
	case c.ShardConcurrency < 0 || c.ShardConcurrency > 10000:
		return fmt.Errorf("context %s=%d: a Distributed Map runs 0 (no limit) to 10000 children at once", ctxShardConcurrency, c.ShardConcurrency)
	}
	return nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, fmt.Errorf("%v is not a whole number", x)
		}
		return int64(x), nil
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x)
		}
		return i, nil
	default:
		return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
	}
}
