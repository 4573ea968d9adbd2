package main

import (
	"context"
	"errors"
)

// runRefdata is being built; see the issue that owns it.
func runRefdata(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
