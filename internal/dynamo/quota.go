package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gasproject/gas/internal/domain"
)

// Each user has one counter item in the jobs table, keyed quota#<user id>
// (no index attributes, so no index or list sees it):
//   - open: a string set of the user's unfinished job ids. A job joins it in
//     the transaction that creates it and leaves it in the transaction of the
//     Update that finishes it (ADD and DELETE, which need no read).
//   - recent: a string set of "<submitted>#<id>" of the user's jobs in the
//     daily window, rewritten whole by each creation.
//   - version: bumped by each creation, whose transaction is conditional on
//     the version it read. Two creations at the same instant read the same
//     version; one commits, the other is cancelled, reads again (now seeing
//     the first job) and decides again. The jobs' own index (eventually
//     consistent) is never what is counted.
const (
	quotaPrefix = "quota#"
	attrOpen    = "open"
	attrRecent  = "recent"
)

// quotaAttempts bounds how often CreateWithin reads again after another
// creation of the same user won the race. Refusals write nothing, so once
// a user is at the limit the racers stop contending.
const quotaAttempts = 50

func quotaKey(userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyJobID: strAttr(quotaPrefix + userID)}
}

// counter is a user's counter item as read.
type counter struct {
	version      int64
	open, recent []string
}

func (s *Jobs) readCounter(ctx context.Context, userID string) (counter, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: quotaKey(userID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return counter{}, fmt.Errorf("read job counter of %s: %w", userID, err)
	}
	return counter{version: num(out.Item, attrVersion), open: strSet(out.Item, attrOpen), recent: strSet(out.Item, attrRecent)}, nil
}

func strSet(item map[string]types.AttributeValue, name string) []string {
	if v, ok := item[name].(*types.AttributeValueMemberSS); ok {
		return v.Value
	}
	return nil
}

// Create stores a new job; domain.ErrConflict if its id exists.
func (s *Jobs) Create(ctx context.Context, j domain.Job) error {
	return s.CreateWithin(ctx, j, domain.JobQuota{})
}

// CreateWithin stores j and updates its user's counter in one transaction,
// conditional on the counter's version (see above).
func (s *Jobs) CreateWithin(ctx context.Context, j domain.Job, q domain.JobQuota) error {
	if j.ID == "" || j.UserID == "" {
		return fmt.Errorf("create job: id and user id are required: %w", domain.ErrInvalid)
	}
	item, err := jobItem(j, 1)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		c, err := s.readCounter(ctx, j.UserID)
		if err != nil {
			return err
		}
		recent, refusal := c.check(q)
		if refusal != nil {
			if _, err := s.Get(ctx, j.ID); err == nil {
				return fmt.Errorf("create job %s: %w", j.ID, domain.ErrConflict) // a retried start, not a new job
			}
			return refusal
		}
		_, err = s.db.TransactWriteItems(ctx, s.createItems(j, item, c.version, append(recent, submittedKey(j))))
		if err == nil {
			return nil
		}
		if !conditionFailed(err) {
			return fmt.Errorf("create job %s: %w", j.ID, err)
		}
		if _, gerr := s.Get(ctx, j.ID); gerr == nil {
			return fmt.Errorf("create job %s: %w", j.ID, domain.ErrConflict)
		}
		if attempt+1 == quotaAttempts {
			return fmt.Errorf("create job %s: the counter of %s changed %d times: %w", j.ID, j.UserID, quotaAttempts, domain.ErrConflict)
		}
		if err := backoff(ctx, attempt); err != nil {
			return fmt.Errorf("create job %s: %w", j.ID, err)
		}
	}
}

// check returns the recent entries still in q's window, or the refusal.
func (c counter) check(q domain.JobQuota) ([]string, error) {
	since := q.Since.UTC().Format(sortTime)
	recent := slices.DeleteFunc(slices.Clone(c.recent), func(r string) bool { return !q.Since.IsZero() && r < since })
	slices.Sort(recent)
	switch {
	case q.PerDay > 0 && int64(len(recent)) >= q.PerDay:
		oldest, _ := time.Parse(sortTime, recent[0][:len(sortTime)])
		return nil, &domain.QuotaError{Limit: domain.LimitJobsPerDay, Oldest: oldest}
	case q.Concurrent > 0 && int64(len(c.open)) >= q.Concurrent:
		return nil, &domain.QuotaError{Limit: domain.LimitConcurrentJobs}
	}
	return recent, nil
}

// createItems is the transaction of a creation: the job, if its id is free,
// and the counter, if still at version.
func (s *Jobs) createItems(j domain.Job, item map[string]types.AttributeValue, version int64, recent []string) *dynamodb.TransactWriteItemsInput {
	names := map[string]string{"#v": attrVersion, "#r": attrRecent}
	values := map[string]types.AttributeValue{
		":v": numAttr(version), ":nv": numAttr(version + 1), ":r": &types.AttributeValueMemberSS{Value: recent},
	}
	update := "SET #v = :nv, #r = :r"
	if domain.Unfinished(j.Status) {
		names["#o"], values[":o"] = attrOpen, &types.AttributeValueMemberSS{Value: []string{j.ID}}
		update += " ADD #o :o"
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(#id)"), ExpressionAttributeNames: map[string]string{"#id": KeyJobID},
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: quotaKey(j.UserID), UpdateExpression: aws.String(update),
			ConditionExpression:      aws.String("attribute_not_exists(#v) OR #v = :v"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}},
	}}
}

// openChange is the counter update of a job whose status moved into or out
// of the unfinished ones (nil when it did not).
func (s *Jobs) openChange(before, after domain.Job) *types.Update {
	was, is := domain.Unfinished(before.Status), domain.Unfinished(after.Status)
	if was == is {
		return nil
	}
	action := "DELETE #o :o"
	if is {
		action = "ADD #o :o"
	}
	return &types.Update{
		TableName: aws.String(s.table), Key: quotaKey(after.UserID), UpdateExpression: aws.String(action),
		ExpressionAttributeNames:  map[string]string{"#o": attrOpen},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberSS{Value: []string{after.ID}}},
	}
}
