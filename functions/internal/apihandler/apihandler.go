// Package apihandler builds the api Lambda's http.Handler: the portal and the
// JSON API (webui) over the AWS adapters, with the session key, Stripe keys
// and OIDC client secret read from Secrets Manager. It is functions/api's
// composition, kept apart from wire so that the step Lambdas do not link
// the web UI and Stripe.
package apihandler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/billing"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/dynamo"
	"github.com/gasproject/gas/internal/lambdainvoke"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sfnflow"
	"github.com/gasproject/gas/webui"
)

// maxRequestUpload keeps an upload through the Lambda (the JSON API's
// multipart POST) under the 6 MB synchronous payload limit (after base64).
// The portal's page uploads straight to S3 with a presigned POST instead,
// up to the user's cap, and downloads go through presigned GETs.
const maxRequestUpload = 4 << 20

// New builds the portal over the AWS adapters, reading its settings and
// secrets once.
func New(ctx context.Context, st *wire.Stores) (http.Handler, error) {
	env := st.Env
	authTable := env.String(awsenv.AuthTable)
	annotation, restore := env.String(awsenv.AnnotationMachineARN), env.String(awsenv.RestoreMachineARN)
	auditBucket, downloads := env.String(awsenv.AuditBucket), env.String(awsenv.DownloadFunction)
	retention := time.Duration(env.Int(awsenv.RetentionSeconds)) * time.Second
	freeCap, premiumCap := env.Int(awsenv.FreeCapBytes), env.Int(awsenv.PremiumCapBytes)
	publicURL, sessionKeyARN, stripeARN := env.String(awsenv.PublicURL), env.String(awsenv.SessionKeyARN), env.String(awsenv.StripeSecretARN)
	issuer, clientID, clientSecretARN := env.Optional(awsenv.OIDCIssuer), env.Optional(awsenv.OIDCClientID), env.Optional(awsenv.OIDCSecretARN)
	testMode := env.Optional(awsenv.BillingTestMode) == "true"
	if err := env.Err(); err != nil {
		return nil, err
	}
	key, err := st.Secret(ctx, sessionKeyARN)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	workflow := sfnflow.New(sfn.NewFromConfig(st.AWS), map[string]string{domain.MachineAnnotation: annotation, domain.MachineRestore: restore})
	svc := service.New(service.Ports{Jobs: st.Jobs, Profiles: st.Profiles, Blobs: st.Blobs, Workflow: workflow, Direct: st.Blobs,
		Archive: s3blob.New(st.S3, auditBucket),                                   // histories Step Functions has forgotten
		Copier:  lambdainvoke.NewCopier(lambda.NewFromConfig(st.AWS), downloads)}, // plain VCF and TSV copies of results
		service.Config{Retention: retention, FreeCap: freeCap, UploadLimit: premiumCap, Logger: st.Log})
	mail, err := st.Mailer() // sign-up and reset links; tells a user their payment failed
	if err != nil {
		return nil, fmt.Errorf("mailer: %w", err)
	}
	ddb := dynamodb.NewFromConfig(st.AWS)
	authSvc, err := auth.New(st.Profiles, dynamo.NewAuthStore(ddb, authTable), auth.Config{Key: []byte(key), Mailer: mail, BaseURL: publicURL})
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	cfg := webui.Config{
		Service: svc, Auth: authSvc, SecureCookies: true, Log: st.Log,
		RequestLimit: maxRequestUpload,
	}
	stripe, err := stripeConfig(ctx, st, stripeARN)
	if err != nil {
		return nil, fmt.Errorf("stripe keys: %w", err)
	}
	if stripe.Enabled() {
		stripe.Logger = st.Log
		b, err := billing.New(stripe, billing.Ports{Profiles: st.Profiles, Users: svc, Events: dynamo.NewWebhooks(ddb, authTable), Mailer: mail})
		if err != nil {
			return nil, fmt.Errorf("billing: %w", err)
		}
		cfg.Checkout, cfg.Webhook = b, b.Webhook()
	} else if testMode {
		st.Log.Warn("Stripe keys not set and billingTestMode on: the portal upgrades users in test mode, without payment", "secret", stripeARN)
	} else {
		// Fails closed: no free upgrades on a real deployment by accident.
		cfg.NoTestMode = true
		st.Log.Warn("Stripe keys not set: upgrades are refused until they are", "secret", stripeARN)
	}
	if issuer != "" {
		secret := ""
		if clientSecretARN != "" { // external issuers; the Cognito client is public
			if secret, err = clientSecret(ctx, st, clientSecretARN); err != nil {
				return nil, fmt.Errorf("OIDC client secret: %w", err)
			}
		}
		cfg.OIDC, err = authSvc.NewOIDC(ctx, auth.OIDCConfig{
			Issuer: issuer, ClientID: clientID, ClientSecret: secret,
			RedirectURL: strings.TrimSuffix(publicURL, "/") + "/auth/oidc/callback",
		})
		if err != nil {
			return nil, fmt.Errorf("OIDC issuer %s: %w", issuer, err)
		}
		cfg.OIDCName = providerName(issuer)
	}
	return webui.New(cfg)
}

// clientSecret reads {"client_secret": "..."} from Secrets Manager.
func clientSecret(ctx context.Context, st *wire.Stores, arn string) (string, error) {
	raw, err := st.Secret(ctx, arn)
	if err != nil {
		return "", err
	}
	var v struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil || v.ClientSecret == "" {
		return "", fmt.Errorf("secret %s: want {\"client_secret\": \"...\"} (set it after deploy)", arn)
	}
	return v.ClientSecret, nil
}

// stripeConfig reads {"secret_key", "webhook_secret", "price_id"} from
// Secrets Manager. The stack creates the secret with a random placeholder
// value; until the operator replaces it there is no billing: upgrades are
// refused, or free in the labelled test mode when the stack was deployed
// with billingTestMode=true.
func stripeConfig(ctx context.Context, st *wire.Stores, arn string) (billing.Config, error) {
	raw, err := st.Secret(ctx, arn)
	if err != nil {
		return billing.Config{}, err
	}
	var v struct {
		SecretKey     string `json:"secret_key"`
		WebhookSecret string `json:"webhook_secret"`
		PriceID       string `json:"price_id"`
	}
	if json.Unmarshal([]byte(raw), &v) != nil {
		return billing.Config{}, nil // still the generated placeholder: no billing
	}
	c := billing.Config{SecretKey: v.SecretKey, WebhookSecret: v.WebhookSecret, PriceID: v.PriceID}
	if c.Enabled() {
		if err := c.Check(); err != nil {
			return billing.Config{}, fmt.Errorf("secret %s: %w", arn, err)
		}
	}
	return c, nil
}

// providerName labels the "sign in with" button.
func providerName(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return "single sign-on"
	}
	if strings.HasPrefix(u.Host, "cognito-idp.") {
		return "GAS account (Cognito)"
	}
	return u.Host
}
