package main

import (
	"context"
	"errors"
)

// runHistory is being built; see the issue that owns it.
func runHistory(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
