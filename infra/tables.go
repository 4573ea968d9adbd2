package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/internal/dynamo"
)

// tables are the stack's DynamoDB tables. Key names come from
// internal/dynamo, the adapter that reads and writes them.
type tables struct {
	jobs     awsdynamodb.Table
	profiles awsdynamodb.Table
	portal   awsdynamodb.Table // sessions, API tokens, password hashes, rate limits
}

func newTables(scope constructs.Construct) tables {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	jobs := newTable(scope, "Jobs", &awsdynamodb.TableProps{PartitionKey: str(dynamo.KeyJobID)})
	// A user's jobs, newest first.
	jobs.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:    jsii.String(dynamo.IndexJobsByUser),
		PartitionKey: str(dynamo.KeyUserID),
		SortKey:      str(dynamo.KeySubmittedAt),
	})
	// Every job, newest first, for auditors and the restore workflow: all
	// jobs share one partition value. Fine at GAS's scale (a few writes a
	// second); shard the partition value if that ever changes.
	jobs.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:    jsii.String(dynamo.IndexJobsBySubmitted),
		PartitionKey: str(dynamo.KeyAllJobs),
		SortKey:      str(dynamo.KeySubmittedAt),
	})
	return tables{
		jobs: jobs,
		// Profiles and email claims (one item per address, so Create can
		// refuse a taken email in the same transaction) share the table.
		profiles: newTable(scope, "Profiles", &awsdynamodb.TableProps{PartitionKey: str(dynamo.KeyPK)}),
		// Expiring items (sessions, rate-limit windows) are removed by TTL.
		portal: newTable(scope, "PortalData", &awsdynamodb.TableProps{
			PartitionKey:        str(dynamo.KeyPK),
			SortKey:             str(dynamo.KeySK),
			TimeToLiveAttribute: jsii.String(dynamo.KeyExpiresAt),
		}),
	}
}

// newTable applies what every table gets: on-demand billing, point-in-time
// recovery, and retention when the stack is deleted.
func newTable(scope constructs.Construct, id string, p *awsdynamodb.TableProps) awsdynamodb.Table {
	p.BillingMode = awsdynamodb.BillingMode_PAY_PER_REQUEST
	p.PointInTimeRecoverySpecification = &awsdynamodb.PointInTimeRecoverySpecification{
		PointInTimeRecoveryEnabled: jsii.Bool(true),
	}
	p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	return awsdynamodb.NewTable(scope, jsii.String(id), p)
}
