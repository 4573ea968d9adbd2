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

// Profiles stores users in one table with two kinds of item: the profile
// ("profile#<id>", JSON in "data", a version for conditional writes) and an
// email claim ("email#<lowercased address>" -> user id). Writing both in one
// transaction is what makes emails unique, case-insensitively.
type Profiles struct {
	db    API
	table string
}

var _ domain.Profiles = (*Profiles)(nil)

// NewProfiles returns the profiles store over table (partition key "pk").
func NewProfiles(db API, table string) *Profiles { return &Profiles{db: db, table: table} }

const attrUserID = "user_id"

func profileKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyPK: strAttr("profile#" + id)}
}

func emailKey(email string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyPK: strAttr("email#" + strings.ToLower(email))}
}

func profileItem(p domain.Profile, version int64) (map[string]types.AttributeValue, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile %s: %w", p.ID, err)
	}
	item := profileKey(p.ID)
	item[attrData] = strAttr(string(data))
	item[attrVersion] = numAttr(version)
	return item, nil
}

func emailItem(p domain.Profile) map[string]types.AttributeValue {
	item := emailKey(p.Email)
	item[attrUserID] = strAttr(p.ID)
	return item
}

var notExists = aws.String("attribute_not_exists(#pk)")

// Create stores a new profile; domain.ErrConflict if the id or the email
// (in any case) is taken.
func (s *Profiles) Create(ctx context.Context, p domain.Profile) error {
	if p.ID == "" || p.Email == "" {
		return fmt.Errorf("create profile: id and email are required: %w", domain.ErrInvalid)
	}
	item, err := profileItem(p, 1)
	if err != nil {
		return err
	}
	names := map[string]string{"#pk": KeyPK}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: item, ConditionExpression: notExists, ExpressionAttributeNames: names}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: emailItem(p), ConditionExpression: notExists, ExpressionAttributeNames: names}},
	}})
	if conditionFailed(err) {
		return fmt.Errorf("create profile %s <%s>: id or email taken: %w", p.ID, p.Email, domain.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create profile %s: %w", p.ID, err)
	}
	return nil
}

// Get returns a profile; domain.ErrNotFound if absent.
func (s *Profiles) Get(ctx context.Context, id string) (domain.Profile, error) {
	p, _, err := s.get(ctx, id)
	return p, err
}

func (s *Profiles) get(ctx context.Context, id string) (domain.Profile, int64, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: profileKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return domain.Profile{}, 0, fmt.Errorf("get profile %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return domain.Profile{}, 0, wrapNotFound("profile", id)
	}
	var p domain.Profile
	if err := json.Unmarshal([]byte(str(out.Item, attrData)), &p); err != nil {
		return domain.Profile{}, 0, fmt.Errorf("decode profile %s: %w", id, err)
	}
	return p, num(out.Item, attrVersion), nil
}

// GetByEmail finds a profile by address, ignoring case.
func (s *Profiles) GetByEmail(ctx context.Context, email string) (domain.Profile, error) {
	owner, err := s.emailOwner(ctx, email)
	if err != nil {
		return domain.Profile{}, err
	}
	if owner == "" {
		return domain.Profile{}, wrapNotFound("profile with email", email)
	}
	return s.Get(ctx, owner)
}

func (s *Profiles) emailOwner(ctx context.Context, email string) (string, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: emailKey(email), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("get profile by email %s: %w", email, err)
	}
	return str(out.Item, attrUserID), nil
}

// Update applies fn and writes the profile only if it has not changed since
// it was read (re-reading after a lost race, like Jobs.Update). A new email
// moves the claim in the same transaction; a taken one is domain.ErrConflict.
func (s *Profiles) Update(ctx context.Context, id string, fn func(*domain.Profile) error) (domain.Profile, error) {
	for attempt := 0; ; attempt++ {
		old, version, err := s.get(ctx, id)
		if err != nil {
			return domain.Profile{}, err
		}
		p := old
		if err := fn(&p); err != nil {
			return domain.Profile{}, err
		}
		if p.ID != id {
			return domain.Profile{}, fmt.Errorf("update profile %s: the id cannot change (to %q): %w", id, p.ID, domain.ErrInvalid)
		}
		if p.Email == "" {
			return domain.Profile{}, fmt.Errorf("update profile %s: email is required: %w", id, domain.ErrInvalid)
		}
		item, err := profileItem(p, version+1)
		if err != nil {
			return domain.Profile{}, err
		}
		items := []types.TransactWriteItem{{Put: &types.Put{
			TableName:                 aws.String(s.table),
			Item:                      item,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": numAttr(version)},
		}}}
		// The claim is keyed by the lowercased address: a change of case keeps it.
		moved := !strings.EqualFold(old.Email, p.Email)
		if moved {
			items = append(items,
				types.TransactWriteItem{Put: &types.Put{
					TableName: aws.String(s.table), Item: emailItem(p),
					ConditionExpression: notExists, ExpressionAttributeNames: map[string]string{"#pk": KeyPK},
				}},
				types.TransactWriteItem{Delete: &types.Delete{
					TableName: aws.String(s.table), Key: emailKey(old.Email),
					ConditionExpression:       aws.String("#u = :u"),
					ExpressionAttributeNames:  map[string]string{"#u": attrUserID},
					ExpressionAttributeValues: map[string]types.AttributeValue{":u": strAttr(id)},
				}})
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return p, nil
		}
		if !conditionFailed(err) {
			return domain.Profile{}, fmt.Errorf("update profile %s: %w", id, err)
		}
		if moved {
			owner, oerr := s.emailOwner(ctx, p.Email)
			if oerr != nil {
				return domain.Profile{}, oerr
			}
			if owner != "" && owner != id {
				return domain.Profile{}, fmt.Errorf("update profile %s: email %s is taken: %w", id, p.Email, domain.ErrConflict)
			}
		}
		if attempt+1 == updateAttempts {
			return domain.Profile{}, fmt.Errorf("update profile %s: changed concurrently %d times: %w", id, updateAttempts, domain.ErrConflict)
		}
		if err := backoff(ctx, attempt); err != nil {
			return domain.Profile{}, fmt.Errorf("update profile %s: %w", id, err)
		}
	}
}
