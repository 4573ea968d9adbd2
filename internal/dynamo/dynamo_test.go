package dynamo

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/gasproject/gas/internal/auth/authtest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// newDB starts an in-process DynamoDB emulator (minidyn's HTTP server, so
// the real SDK client and its wire format are exercised) with the GAS tables
// as infra/ defines them.
func newDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(miniserver.NewServer())
	t.Cleanup(srv.Close)
	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      aws.NopRetryer{},
	})
	ctx := context.Background()
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
	tables := []*dynamodb.CreateTableInput{
		{
			TableName:            aws.String("jobs"),
			AttributeDefinitions: []types.AttributeDefinition{str(KeyJobID), str(KeyUserID), str(KeyAllJobs), str(KeySubmittedAt)},
			KeySchema:            key(KeyJobID, ""),
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
				{IndexName: aws.String(IndexJobsByUser), KeySchema: key(KeyUserID, KeySubmittedAt), Projection: all},
				{IndexName: aws.String(IndexJobsBySubmitted), KeySchema: key(KeyAllJobs, KeySubmittedAt), Projection: all},
			},
		},
		{TableName: aws.String("profiles"), AttributeDefinitions: []types.AttributeDefinition{str(KeyPK)}, KeySchema: key(KeyPK, "")},
		{TableName: aws.String("portal"), AttributeDefinitions: []types.AttributeDefinition{str(KeyPK), str(KeySK)}, KeySchema: key(KeyPK, KeySK)},
	}
	for _, in := range tables {
		in.BillingMode = types.BillingModePayPerRequest
		if _, err := db.CreateTable(ctx, in); err != nil {
			t.Fatalf("create table %s: %v", *in.TableName, err)
		}
	}
	return db
}

func TestJobsContract(t *testing.T) {
	domaintest.TestJobs(t, func(t *testing.T) domain.Jobs { return NewJobs(newDB(t), "jobs") })
}

func TestProfilesContract(t *testing.T) {
	domaintest.TestProfiles(t, func(t *testing.T) domain.Profiles { return NewProfiles(newDB(t), "profiles") })
}

func TestPortalAuthStoreContract(t *testing.T) {
	authtest.StoreContract(t, NewPortal(newDB(t), "portal"))
}
