package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// portal is the HTTP API in front of the api Lambda.
type portal struct {
	api awsapigatewayv2.HttpApi
	url *string // base URL users open, without a trailing slash
	// regionalDomain is the target of the operator's CNAME for a custom domain.
	regionalDomain *string
	accessLogs     awslogs.LogGroup // one JSON line per request
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
	if cfg.Domain != "" {
		// Users, Cognito callbacks and the upload CORS rule all name the
		// custom domain; the execute-api URL would be a second, inconsistent origin.
		props.DisableExecuteApiEndpoint = jsii.Bool(true)
	}
	p.api = awsapigatewayv2.NewHttpApi(scope, jsii.String("Portal"), props)
	if p.url == nil {
		p.url = p.api.ApiEndpoint()
	}
	p.accessLogs = configureStage(scope, p.api)
	return p
}

// Default throttling of every route of the portal, per account and region
// on top of API Gateway's own account quota. A user's page load makes a few
// requests; uploads go to S3 directly.
const (
	apiRateLimit  = 50  // requests per second, steady
	apiBurstLimit = 100 // requests at once
)

// apiAccessLogFormat is one JSON object per request; the throttle alarm
// counts the lines whose status is 429.
const apiAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","method":"$context.httpMethod","path":"$context.path",` +
	`"status":"$context.status","responseLength":"$context.responseLength",` +
	`"latencyMs":"$context.responseLatency","integrationStatus":"$context.integrationStatus",` +
	`"integrationError":"$context.integrationErrorMessage"}`

// configureStage turns on access logging and default throttling on the
// API's $default stage (the L2 HttpApi creates it without either).
func configureStage(scope constructs.Construct, api awsapigatewayv2.HttpApi) awslogs.LogGroup {
	logs := awslogs.NewLogGroup(scope, jsii.String("PortalAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  vendedLogName("apigateway", "portal-access"),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	stage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(apiAccessLogFormat),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(apiRateLimit),
		ThrottlingBurstLimit: jsii.Number(apiBurstLimit),
	})
	return logs
}

// vendedLogName is a log group name under /aws/vendedlogs/, where AWS
// advises services that deliver logs on the stack's behalf (Step Functions,
// API Gateway) to write: the resource policy those deliveries need stays
// within CloudWatch Logs' size limit however many groups there are.
// The stack name keeps two stacks in one account apart.
func vendedLogName(service, name string) *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("/aws/vendedlogs/", service, "/", *awscdk.Aws_STACK_NAME(), "-", name))
}

// connectPortal sends every request to the api Lambda; the portal's own mux routes.
func connectPortal(scope constructs.Construct, p portal, fn awslambda.IFunction) awsapigatewayv2.HttpRoute {
	return awsapigatewayv2.NewHttpRoute(scope, jsii.String("PortalRoute"), &awsapigatewayv2.HttpRouteProps{
		HttpApi:     p.api,
		RouteKey:    awsapigatewayv2.HttpRouteKey_DEFAULT(),
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("PortalIntegration"), fn, nil),
	})
}
