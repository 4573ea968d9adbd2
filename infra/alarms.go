package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newAlarms raises an alarm on any failed, timed-out or aborted execution,
// on any Lambda error or throttle, and on the portal's 5xx answers and
// throttled requests, and on any message in a dead-letter queue (an event
// whose delivery failed for good: an audit record not written), within five
// minutes. With an alarm email configured they notify it through an SNS topic.
func newAlarms(scope constructs.Construct, cfg Config, web portal, machines map[string]awsstepfunctions.StateMachine, fns map[string]lambdaFn, deadLetters map[string]awssqs.IQueue) {
	var topic awssns.Topic
	if cfg.AlarmEmail != "" {
		topic = awssns.NewTopic(scope, jsii.String("Alarms"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	add := func(id string, m awscloudwatch.IMetric, what string) {
		a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric:             m,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(what),
		})
		if topic != nil {
			a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
		}
	}
	sum := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	for _, name := range sortedKeys(machines) {
		sm := machines[name]
		id := constructID(name)
		add(id+"ExecutionsFailed", sm.MetricFailed(sum), "GAS "+name+" executions failed")
		add(id+"ExecutionsTimedOut", sm.MetricTimedOut(sum), "GAS "+name+" executions timed out")
		add(id+"ExecutionsAborted", sm.MetricAborted(sum), "GAS "+name+" executions aborted")
	}
	for _, name := range sortedKeys(fns) {
		add(constructID(name)+"Errors", fns[name].fn.MetricErrors(sum), "GAS Lambda "+name+" returned errors")
		add(constructID(name)+"Throttles", fns[name].fn.MetricThrottles(sum), "GAS Lambda "+name+" was throttled")
	}
	peak := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum")}
	for _, name := range sortedKeys(deadLetters) {
		add(constructID(name)+"DeadLetterMessages", deadLetters[name].MetricApproximateNumberOfMessagesVisible(peak),
			"GAS "+name+": events in the dead-letter queue (their delivery failed; replay them)")
	}
	add("Portal5xx", web.api.MetricServerError(sum), "GAS portal answered 5xx")
	// HTTP APIs publish no throttle metric: count the 429s of the access log.
	throttled := awslogs.NewMetricFilter(scope, jsii.String("PortalThrottledFilter"), &awslogs.MetricFilterProps{
		LogGroup:        web.accessLogs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.status"), jsii.String("="), jsii.String("429")),
		MetricNamespace: jsii.String("GAS"),
		MetricName:      jsii.String("PortalThrottled"),
		MetricValue:     jsii.String("1"),
		Dimensions:      &map[string]*string{"Stack": awscdk.Aws_STACK_NAME()},
	})
	add("PortalThrottled", throttled.Metric(sum), "GAS portal throttled requests (429)")
}
