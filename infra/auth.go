package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// signIn is how the portal finds its OIDC provider.
type signIn struct {
	issuer   *string
	clientID *string
	// clientSecret is set only for an external issuer; the Cognito client is
	// a public one using PKCE, so there is no secret to store.
	clientSecret awssecretsmanager.Secret
	hostedUI     *string // Cognito hosted-UI base URL, nil for an external issuer
	userPoolID   *string
	pool         awscognito.UserPool // nil for an external issuer
}

// callbackPath is where the portal receives the OIDC authorization code.
const callbackPath = "/auth/oidc/callback"

// newSignIn creates a Cognito user pool with a hosted-UI client, or, when
// the operator configured an external issuer, only a secret for its client
// secret (filled in by the operator after deploy).
func newSignIn(scope constructs.Construct, cfg Config, portalURL *string) signIn {
	if cfg.OIDCIssuer != "" {
		return signIn{
			issuer:   jsii.String(cfg.OIDCIssuer),
			clientID: jsii.String(cfg.OIDCClientID),
			clientSecret: awssecretsmanager.NewSecret(scope, jsii.String("OIDCClientSecret"), &awssecretsmanager.SecretProps{
				Description: jsii.String(`GAS: {"client_secret": "..."} of the external OIDC client; set after deploy`),
			}),
		}
	}
	pool := awscognito.NewUserPool(scope, jsii.String("Users"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(true),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email:    &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
			Fullname: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// Through the stack's SES identity (EmailSendingAccount DEVELOPER):
		// Cognito's own sender allows 50 mails a day.
		Email: awscognito.UserPoolEmail_WithSES(sesOptions(cfg)),
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:        jsii.Number(12),
			RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true),
			RequireDigits:    jsii.Bool(true),
			RequireSymbols:   jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	client := pool.AddClient(jsii.String("Portal"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(*awscdk.Fn_Join(jsii.String(""), jsii.Strings(*portalURL, callbackPath))),
			LogoutUrls:   jsii.Strings(*portalURL),
		},
		PreventUserExistenceErrors: jsii.Bool(true),
	})
	prefix := cfg.CognitoDomainPrefix
	if prefix == "" {
		// Unique per stack: the id CloudFormation gave this stack
		// (arn:...:stack/<name>/<uuid>), so a second stack in the same
		// account and region gets its own hosted UI.
		uuid := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Aws_STACK_ID(), nil))
		prefix = *awscdk.Fn_Join(jsii.String("-"), jsii.Strings("gas", *uuid))
	}
	domain := pool.AddDomain(jsii.String("HostedUI"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(prefix)},
	})
	return signIn{
		// The pool's ProviderURL attribute lacks the scheme an OIDC issuer has.
		issuer:     awscdk.Fn_Join(jsii.String(""), jsii.Strings("https://cognito-idp.", *awscdk.Aws_REGION(), ".amazonaws.com/", *pool.UserPoolId())),
		clientID:   client.UserPoolClientId(),
		hostedUI:   domain.BaseUrl(nil),
		userPoolID: pool.UserPoolId(),
		pool:       pool,
	}
}

// sesOptions sends Cognito's mail from the configured sender, through the
// domain identity when the verified identity is the sender's domain.
func sesOptions(cfg Config) *awscognito.UserPoolSESOptions {
	// The stack's own region, where the identity is verified (the region is
	// a deploy-time token in an environment-agnostic synth).
	o := &awscognito.UserPoolSESOptions{FromEmail: jsii.String(cfg.EmailSender), FromName: jsii.String("GAS"), SesRegion: awscdk.Aws_REGION()}
	d := senderDomain(cfg.EmailSender)
	if !strings.Contains(cfg.EmailIdentity, "@") {
		o.SesVerifiedDomain = jsii.String(d)
	}
	return o
}

// secrets the portal reads at cold start.
type secrets struct {
	stripe     awssecretsmanager.Secret
	sessionKey awssecretsmanager.Secret
}

func newSecrets(scope constructs.Construct) secrets {
	return secrets{
		// Created with a random placeholder; the operator puts the real keys
		// in after deploy (README: "Deploying to AWS").
		stripe: awssecretsmanager.NewSecret(scope, jsii.String("StripeKeys"), &awssecretsmanager.SecretProps{
			Description: jsii.String(`GAS: {"secret_key","webhook_secret","price_id"} of Stripe; set after deploy`),
		}),
		// Signs and encrypts session cookies, so any Lambda instance can read
		// a session another one issued.
		sessionKey: awssecretsmanager.NewSecret(scope, jsii.String("SessionKey"), &awssecretsmanager.SecretProps{
			Description: jsii.String("GAS: key for session cookies (generated)"),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength:     jsii.Number(64),
				ExcludePunctuation: jsii.Bool(true),
			},
		}),
	}
}
