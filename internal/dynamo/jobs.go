package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gasproject/gas/internal/domain"
)

// Jobs stores jobs in one table keyed by job id. Each item holds the job as
// JSON ("data") plus the attributes the indexes and filters need, and a
// version number that makes every write conditional on the version read.
type Jobs struct {
	db    API
	table string
}

var _ domain.Jobs = (*Jobs)(nil)

// NewJobs returns the jobs store over table (created by infra/ with the
// by_user and by_submitted indexes).
func NewJobs(db API, table string) *Jobs { return &Jobs{db: db, table: table} }

// Item attributes besides the keys in keys.go.
const (
	attrData        = "data"
	attrVersion     = "version"
	attrStatus      = "status"
	attrResultState = "result_state"
	allJobsValue    = "all" // the one partition of the by_submitted index
)

// sortTime is fixed-width UTC, so strings sort as times do.
const sortTime = "2006-01-02T15:04:05.000000000Z"

// submittedKey orders jobs by submitted time, ties broken by id.
func submittedKey(j domain.Job) string {
	return j.SubmittedAt.UTC().Format(sortTime) + "#" + j.ID
}

func jobItem(j domain.Job, version int64) (map[string]types.AttributeValue, error) {
	data, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	item := map[string]types.AttributeValue{
		KeyJobID:       strAttr(j.ID),
		KeyUserID:      strAttr(j.UserID),
		KeyAllJobs:     strAttr(allJobsValue),
		KeySubmittedAt: strAttr(submittedKey(j)),
		attrStatus:     strAttr(string(j.Status)),
		attrVersion:    numAttr(version),
		attrData:       strAttr(string(data)),
	}
	if j.ResultState != "" {
		item[attrResultState] = strAttr(string(j.ResultState))
	}
	return item, nil
}

func decodeJob(item map[string]types.AttributeValue) (domain.Job, error) {
	var j domain.Job
	if err := json.Unmarshal([]byte(str(item, attrData)), &j); err != nil {
		return domain.Job{}, fmt.Errorf("decode job %s: %w", str(item, KeyJobID), err)
	}
	return j, nil
}

// Get returns a job; domain.ErrNotFound if absent.
func (s *Jobs) Get(ctx context.Context, id string) (domain.Job, error) {
	j, _, err := s.get(ctx, id)
	return j, err
}

func (s *Jobs) get(ctx context.Context, id string) (domain.Job, int64, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{KeyJobID: strAttr(id)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return domain.Job{}, 0, fmt.Errorf("get job %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return domain.Job{}, 0, wrapNotFound("job", id)
	}
	j, err := decodeJob(out.Item)
	return j, num(out.Item, attrVersion), err
}

// Update applies fn to the current job and writes the result only if the job
// has not changed since it was read; after a lost race it reads again and
// re-applies fn (up to updateAttempts times), then fails with domain.ErrConflict.
func (s *Jobs) Update(ctx context.Context, id string, fn func(*domain.Job) error) (domain.Job, error) {
	for attempt := 0; ; attempt++ {
		j, version, err := s.get(ctx, id)
		if err != nil {
			return domain.Job{}, err
		}
		before := j
		if err := fn(&j); err != nil {
			return domain.Job{}, err
		}
		if j.ID != id {
			return domain.Job{}, fmt.Errorf("update job %s: the id cannot change (to %q): %w", id, j.ID, domain.ErrInvalid)
		}
		item, err := jobItem(j, version+1)
		if err != nil {
			return domain.Job{}, err
		}
		err = s.put(ctx, item, version, s.openChange(before, j))
		if err == nil {
			return j, nil
		}
		if !conditionFailed(err) {
			return domain.Job{}, fmt.Errorf("update job %s: %w", id, err)
		}
		if attempt+1 == updateAttempts {
			return domain.Job{}, fmt.Errorf("update job %s: changed concurrently %d times: %w", id, updateAttempts, domain.ErrConflict)
		}
		if err := backoff(ctx, attempt); err != nil {
			return domain.Job{}, fmt.Errorf("update job %s: %w", id, err)
		}
	}
}

// put writes a job item if the stored one is still at version, together
// with its user's counter update (openChange) when there is one.
func (s *Jobs) put(ctx context.Context, item map[string]types.AttributeValue, version int64, counter *types.Update) error {
	put := types.Put{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": numAttr(version)},
	}
	if counter == nil {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
			ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues,
		})
		return err
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &put}, {Update: counter},
	}})
	return err
}

// ListByUser returns the user's jobs newest first.
func (s *Jobs) ListByUser(ctx context.Context, userID string, p domain.Page) ([]domain.Job, string, error) {
	return s.List(ctx, domain.JobFilter{UserID: userID}, p)
}

// List returns jobs newest first: from the by_user index when the filter
// names a user, else from by_submitted; status and result state are
// filter expressions.
func (s *Jobs) List(ctx context.Context, f domain.JobFilter, p domain.Page) ([]domain.Job, string, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	index, partKey, partValue := IndexJobsBySubmitted, KeyAllJobs, allJobsValue
	if f.UserID != "" {
		index, partKey, partValue = IndexJobsByUser, KeyUserID, f.UserID
	}
	var start map[string]types.AttributeValue
	if p.Cursor != "" {
		c, err := domain.DecodeCursor(p.Cursor, func(c cursor) bool { return c.Sort != "" && c.ID != "" })
		if err != nil {
			return nil, "", err
		}
		start = map[string]types.AttributeValue{
			KeyJobID: strAttr(c.ID), partKey: strAttr(partValue), KeySubmittedAt: strAttr(c.Sort),
		}
	}
	names := map[string]string{"#p": partKey}
	values := map[string]types.AttributeValue{":p": strAttr(partValue)}
	var filters []string
	if f.Status != "" {
		names["#st"], values[":st"] = attrStatus, strAttr(string(f.Status))
		filters = append(filters, "#st = :st")
	}
	if f.ResultState != "" {
		names["#rs"], values[":rs"] = attrResultState, strAttr(string(f.ResultState))
		filters = append(filters, "#rs = :rs")
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#p = :p"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
		// One more than a page, so a full page knows whether another follows.
		Limit: aws.Int32(int32(min(limit+1, 1000))),
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	var jobs []domain.Job
	for {
		in.ExclusiveStartKey = start
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("list jobs: %w", err)
		}
		for _, item := range out.Items {
			if len(jobs) == limit {
				last := jobs[len(jobs)-1]
				return jobs, domain.EncodeCursor(cursor{Sort: submittedKey(last), ID: last.ID}), nil
			}
			j, err := decodeJob(item)
			if err != nil {
				return nil, "", err
			}
			jobs = append(jobs, j)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return jobs, "", nil
		}
		start = out.LastEvaluatedKey
	}
}

// cursor is the position after the last job of a page.
type cursor struct {
	Sort string `json:"s"`
	ID   string `json:"id"`
}
