package main

import (
	"context"
	"errors"
)

// runUser is being built; see the issue that owns it.
func runUser(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
