package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableCreator is the part of the DynamoDB client CreateTables uses.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
}

// Tables names the three GAS tables.
type Tables struct {
	Jobs, Profiles, Auth string // Auth: sign-in data and processed webhook events
}

// CreateTables creates the tables with the keys and indexes infra/ gives
// them, on demand; for emulators and DynamoDB Local (on AWS the stack
// creates them).
func CreateTables(ctx context.Context, db TableCreator, t Tables) error {
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(hash, rng string) []types.KeySchemaElement {
		k := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
		if rng != "" {
			k = append(k, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
		}
		return k
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	inputs := []*dynamodb.CreateTableInput{
		{
			TableName:            aws.String(t.Jobs),
			AttributeDefinitions: []types.AttributeDefinition{str(KeyJobID), str(KeyUserID), str(KeyAllJobs), str(KeySubmittedAt)},
			KeySchema:            key(KeyJobID, ""),
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
				{IndexName: aws.String(IndexJobsByUser), KeySchema: key(KeyUserID, KeySubmittedAt), Projection: all},
				{IndexName: aws.String(IndexJobsBySubmitted), KeySchema: key(KeyAllJobs, KeySubmittedAt), Projection: all},
			},
		},
		{TableName: aws.String(t.Profiles), AttributeDefinitions: []types.AttributeDefinition{str(KeyPK)}, KeySchema: key(KeyPK, "")},
		{TableName: aws.String(t.Auth), AttributeDefinitions: []types.AttributeDefinition{str(KeyPK), str(KeySK)}, KeySchema: key(KeyPK, KeySK)},
	}
	for _, in := range inputs {
		in.BillingMode = types.BillingModePayPerRequest
		if _, err := db.CreateTable(ctx, in); err != nil {
			return fmt.Errorf("create table %s: %w", *in.TableName, err)
		}
	}
	return nil
}
