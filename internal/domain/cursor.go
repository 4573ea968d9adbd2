package domain

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// EncodeCursor is the opaque Page.Cursor of an adapter's position in a
// listing: its JSON, base64url-encoded.
func EncodeCursor(pos any) string {
	b, _ := json.Marshal(pos)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads back a position EncodeCursor made; valid checks what it
// holds. A cursor that does not decode or is not valid is ErrInvalid.
func DecodeCursor[T any](raw string, valid func(T) bool) (T, error) {
	var pos T
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err == nil {
		err = json.Unmarshal(b, &pos)
	}
	if err != nil || !valid(pos) {
		var zero T
		return zero, fmt.Errorf("page cursor %q: %w", raw, ErrInvalid)
	}
	return pos, nil
}
