package dynamo

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/gasproject/gas/internal/auth/authtest"
	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
)

// newDB starts an in-process DynamoDB emulator (minidyn's HTTP server, so
// the real SDK client and its wire format are exercised) with the GAS tables
// as infra/ defines them.
func newDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	db := dynamodb.NewFromConfig(awstest.Serve(t, miniserver.NewServer()))
	if err := CreateTables(context.Background(), db, Tables{Jobs: "jobs", Profiles: "profiles", Auth: "auth"}); err != nil {
		t.Fatal(err)
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
	authtest.StoreContract(t, NewAuthStore(newDB(t), "auth"))
}
