package main

import (
	"context"
	"errors"
)

// runServe is being built; see the issue that owns it.
func runServe(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
