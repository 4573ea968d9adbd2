package main

import (
	"context"
	"errors"
)

// runAnnotate is being built; see the issue that owns it.
func runAnnotate(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
