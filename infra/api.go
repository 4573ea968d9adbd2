package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// portal is the HTTP API in front of the api Lambda.
type portal struct {
	api awsapigatewayv2.HttpApi
	url *string // base URL users open, without a trailing slash
	// regionalDomain is the target of the operator's CNAME for a custom domain.
	regionalDomain *string
}

// newPortal creates the HTTP API without routes: the api Lambda's environment
// names the portal URL, so the Lambda is created after the API and connected
// by connectPortal.
func newPortal(scope constructs.Construct, cfg Config) portal {
	props := &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("GAS portal and JSON API"),
	}
	var p portal
	if cfg.Domain != "" {
		dn := awsapigatewayv2.NewDomainName(scope, jsii.String("PortalDomain"), &awsapigatewayv2.DomainNameProps{
			DomainName:  jsii.String(cfg.Domain),
			Certificate: awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("PortalCertificate"), jsii.String(cfg.CertificateARN)),
		})
		props.DefaultDomainMapping = &awsapigatewayv2.DomainMappingOptions{DomainName: dn}
		p.url = jsii.String("https://" + cfg.Domain)
		p.regionalDomain = dn.RegionalDomainName()
	}
	p.api = awsapigatewayv2.NewHttpApi(scope, jsii.String("Portal"), props)
	if p.url == nil {
		p.url = p.api.ApiEndpoint()
	}
	return p
}

// connectPortal sends every request to the api Lambda; the portal's own mux routes.
func connectPortal(scope constructs.Construct, p portal, fn awslambda.IFunction) {
	awsapigatewayv2.NewHttpRoute(scope, jsii.String("PortalRoute"), &awsapigatewayv2.HttpRouteProps{
		HttpApi:     p.api,
		RouteKey:    awsapigatewayv2.HttpRouteKey_DEFAULT(),
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("PortalIntegration"), fn, nil),
	})
}
