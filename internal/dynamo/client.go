package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gasproject/gas/internal/domain"
)

// API is the part of the DynamoDB client the adapters use; *dynamodb.Client
// implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// updateAttempts bounds how often Update re-reads and re-applies its closure
// after losing a race, before it gives up with domain.ErrConflict. Callers
// of the SQLite store never see a lost race; retrying here keeps the two
// stores alike for all but pathological contention.
const updateAttempts = 8

// conditionFailed reports whether err is a failed condition expression or a
// transaction cancelled by one.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	return errors.As(err, &ccf) || errors.As(err, &tce)
}

// backoff sleeps a little before retry n, with jitter so racing writers spread out.
func backoff(ctx context.Context, n int) error {
	d := time.Duration(1+rand.IntN(1<<min(n, 5))) * 2 * time.Millisecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func strAttr(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }

func numAttr(v int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(v)}
}

// str reads a string attribute ("" when absent or of another type).
func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// num reads a number attribute (0 when absent or malformed).
func num(item map[string]types.AttributeValue, name string) int64 {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	var i int64
	fmt.Sscan(v.Value, &i)
	return i
}

// wrapNotFound is the error for an absent item.
func wrapNotFound(what, id string) error {
	return fmt.Errorf("%s %s: %w", what, id, domain.ErrNotFound)
}
