package dynamo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
)

// AuthStore stores what sign-in keeps (auth.Store): sessions,
// API tokens, password hashes and rate-limit counters, in one table with a
// partition key "pk" and a sort key "sk". Items that expire carry
// expires_at (epoch seconds), the table's TTL attribute, so DynamoDB deletes
// them eventually; reads check expiry themselves, since TTL is lazy.
//
//	pk                sk               what
//	session#<hash>    -                a browser session
//	token#<hash>      -                an API token, found by the hash of its value
//	user#<id>         token#<token id> the same token, listed per user
//	user#<id>         password         a password hash (PHC string)
//	limit#<key>       -                a rate-limit window: start and count
type AuthStore struct {
	db    API
	table string
}

var _ auth.Store = (*AuthStore)(nil)

// NewAuthStore returns the store over table.
func NewAuthStore(db API, table string) *AuthStore { return &AuthStore{db: db, table: table} }

const (
	noSort        = "-"
	attrCreatedAt = "created_at"
	attrExpiresNs = "expires_ns" // exact expiry; expires_at is rounded for TTL
	attrHash      = "hash"
	attrCount     = "n"
	attrStart     = "start_ns"
)

func (s *AuthStore) key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyPK: strAttr(pk), KeySK: strAttr(sk)}
}

func (s *AuthStore) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: s.key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// CreateSession stores a session until its expiry.
func (s *AuthStore) CreateSession(ctx context.Context, sess auth.Session) error {
	item := s.key("session#"+sess.IDHash, noSort)
	item[attrUserID] = strAttr(sess.UserID)
	item[attrCreatedAt] = numAttr(sess.CreatedAt.UnixNano())
	item[attrExpiresNs] = numAttr(sess.ExpiresAt.UnixNano())
	item[KeyExpiresAt] = numAttr(sess.ExpiresAt.Unix() + 1)
	// And a pointer in its user's partition, so DeleteUserSessions finds it;
	// both expire together.
	byUser := s.key("user#"+sess.UserID, "session#"+sess.IDHash)
	byUser[KeyExpiresAt] = item[KeyExpiresAt]
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: item}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: byUser}},
	}})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// DeleteUserSessions deletes the sessions its user's partition points to
// (and the pointers). A pointer whose session was deleted alone is harmless.
func (s *AuthStore) DeleteUserSessions(ctx context.Context, userID string) error {
	err := s.eachUserItem(ctx, userID, "session#", func(item map[string]types.AttributeValue) error {
		sk := str(item, KeySK)
		for _, key := range []map[string]types.AttributeValue{s.key(sk, noSort), s.key("user#"+userID, sk)} {
			if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete sessions of %s: %w", userID, err)
	}
	return nil
}

// eachUserItem calls fn with each item of userID's partition whose sort
// key starts with prefix (token#, session#).
func (s *AuthStore) eachUserItem(ctx context.Context, userID, prefix string, fn func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": KeyPK, "#sk": KeySK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": strAttr("user#" + userID), ":prefix": strAttr(prefix)},
		ConsistentRead:            aws.Bool(true),
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// GetSession returns a session that has not expired at now.
func (s *AuthStore) GetSession(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	item, err := s.getItem(ctx, "session#"+idHash, noSort)
	if err != nil {
		return auth.Session{}, fmt.Errorf("get session: %w", err)
	}
	if len(item) == 0 {
		return auth.Session{}, fmt.Errorf("session: %w", domain.ErrNotFound)
	}
	sess := auth.Session{
		IDHash:    idHash,
		UserID:    str(item, attrUserID),
		CreatedAt: time.Unix(0, num(item, attrCreatedAt)).UTC(),
		ExpiresAt: time.Unix(0, num(item, attrExpiresNs)).UTC(),
	}
	if !now.Before(sess.ExpiresAt) {
		return auth.Session{}, fmt.Errorf("session expired: %w", domain.ErrNotFound)
	}
	return sess, nil
}

// DeleteSession removes a session; an absent one is not an error.
func (s *AuthStore) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: s.key("session#"+idHash, noSort)})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// tokenRecord is a token as stored; Hash is tagged out of auth.Token's JSON.
type tokenRecord struct {
	auth.Token
	Hash string `json:"hash"`
}

// CreateToken stores a token under its hash and in its user's list, together.
func (s *AuthStore) CreateToken(ctx context.Context, t auth.Token) error {
	data, err := json.Marshal(tokenRecord{Token: t, Hash: t.Hash})
	if err != nil {
		return fmt.Errorf("encode token %s: %w", t.ID, err)
	}
	byHash := s.key("token#"+t.Hash, noSort)
	byUser := s.key("user#"+t.UserID, "token#"+t.ID)
	for _, item := range []map[string]types.AttributeValue{byHash, byUser} {
		item[attrData] = strAttr(string(data))
	}
	names := map[string]string{"#pk": KeyPK}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: byHash, ConditionExpression: notExists, ExpressionAttributeNames: names}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: byUser, ConditionExpression: notExists, ExpressionAttributeNames: names}},
	}})
	if conditionFailed(err) {
		return fmt.Errorf("create token %s: %w", t.ID, domain.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %s: %w", t.ID, err)
	}
	return nil
}

func decodeToken(item map[string]types.AttributeValue) (auth.Token, error) {
	var r tokenRecord
	if err := json.Unmarshal([]byte(str(item, attrData)), &r); err != nil {
		return auth.Token{}, fmt.Errorf("decode token: %w", err)
	}
	r.Token.Hash = r.Hash
	return r.Token, nil
}

// GetTokenByHash finds a token by the hash of its value.
func (s *AuthStore) GetTokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	item, err := s.getItem(ctx, "token#"+hash, noSort)
	if err != nil {
		return auth.Token{}, fmt.Errorf("get token: %w", err)
	}
	if len(item) == 0 {
		return auth.Token{}, fmt.Errorf("token: %w", domain.ErrNotFound)
	}
	return decodeToken(item)
}

// ListTokens returns the user's tokens, oldest first.
func (s *AuthStore) ListTokens(ctx context.Context, userID string) ([]auth.Token, error) {
	var tokens []auth.Token
	err := s.eachUserItem(ctx, userID, "token#", func(item map[string]types.AttributeValue) error {
		t, err := decodeToken(item)
		tokens = append(tokens, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", userID, err)
	}
	slices.SortFunc(tokens, func(a, b auth.Token) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return tokens, nil
}

// DeleteToken revokes a token of userID; domain.ErrNotFound if the user has no such token.
func (s *AuthStore) DeleteToken(ctx context.Context, userID, id string) error {
	item, err := s.getItem(ctx, "user#"+userID, "token#"+id)
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	if len(item) == 0 {
		return fmt.Errorf("token %s of %s: %w", id, userID, domain.ErrNotFound)
	}
	t, err := decodeToken(item)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: s.key("token#"+t.Hash, noSort)}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: s.key("user#"+userID, "token#"+id)}},
	}})
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	return nil
}

// SetPasswordHash stores or replaces the user's password hash.
func (s *AuthStore) SetPasswordHash(ctx context.Context, userID, hash string) error {
	item := s.key("user#"+userID, "password")
	item[attrHash] = strAttr(hash)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	return nil
}

// PasswordHash returns the user's password hash; domain.ErrNotFound if none.
func (s *AuthStore) PasswordHash(ctx context.Context, userID string) (string, error) {
	item, err := s.getItem(ctx, "user#"+userID, "password")
	if err != nil {
		return "", fmt.Errorf("get password of %s: %w", userID, err)
	}
	if len(item) == 0 {
		return "", fmt.Errorf("password of %s: %w", userID, domain.ErrNotFound)
	}
	return str(item, attrHash), nil
}

// Hit counts an attempt in key's current window. A window starts with the
// first attempt after the previous one ended and lasts window. The counter
// is bumped atomically while the window is open; otherwise a new window is
// started, conditionally, so two racing first hits cannot both count as 1.
func (s *AuthStore) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	pk := "limit#" + key
	cutoff := numAttr(now.Add(-window).UnixNano())
	for attempt := 0; attempt < updateAttempts; attempt++ {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       s.key(pk, noSort),
			UpdateExpression:          aws.String("ADD #n :one"),
			ConditionExpression:       aws.String("#s > :cutoff"),
			ExpressionAttributeNames:  map[string]string{"#n": attrCount, "#s": attrStart},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": numAttr(1), ":cutoff": cutoff},
			ReturnValues:              types.ReturnValueUpdatedNew,
		})
		if err == nil {
			return int(num(out.Attributes, attrCount)), nil
		}
		if !conditionFailed(err) {
			return 0, fmt.Errorf("rate limit %s: %w", key, err)
		}
		item := s.key(pk, noSort)
		item[attrStart] = numAttr(now.UnixNano())
		item[attrCount] = numAttr(1)
		item[KeyExpiresAt] = numAttr(now.Add(window).Unix() + 1)
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String(s.table),
			Item:                      item,
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #s <= :cutoff"),
			ExpressionAttributeNames:  map[string]string{"#pk": KeyPK, "#s": attrStart},
			ExpressionAttributeValues: map[string]types.AttributeValue{":cutoff": cutoff},
		})
		if err == nil {
			return 1, nil
		}
		if !conditionFailed(err) {
			return 0, fmt.Errorf("rate limit %s: %w", key, err)
		}
		// Someone else opened the window first: count in it.
	}
	return 0, fmt.Errorf("rate limit %s: %w", key, domain.ErrConflict)
}
