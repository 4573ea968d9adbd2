package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/sqlite"
)

// runUser dispatches `gas user <subcommand>`.
func runUser(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(os.Stderr, "usage: gas user add [--data DIR] --email E --name N [--role free_user|premium_user] [--auditor] [--password P] [--token-name NAME]")
		return errors.New("want the subcommand add")
	}
	return runUserAdd(ctx, args[1:], os.Stdout)
}

// runUserAdd creates or updates a local account and prints a new personal
// API token as the last word of its output. It opens the database alone, so
// it works while `gas serve` runs.
func runUserAdd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := fs.String("data", app.DataDirFromEnv(), "`DIR` holding gas serve's data (env GAS_DATA)")
	email := fs.String("email", "", "email address (required); an existing account with it is updated")
	name := fs.String("name", "", "display name (required for a new account)")
	role := fs.String("role", "", "free_user or premium_user (new accounts default to free_user; empty keeps the current role)")
	auditor := fs.Bool("auditor", false, "may read every job's execution history (read-only)")
	password := fs.String("password", os.Getenv("GAS_USER_PASSWORD"), "also set a password for signing in to the portal (env GAS_USER_PASSWORD)")
	tokenName := fs.String("token-name", "gas user add", "name of the API token made")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		fs.Usage()
		return errors.New("--email is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *password != "" && utf8.RuneCountInString(*password) < auth.MinPasswordLen {
		return fmt.Errorf("--password must be at least %d characters", auth.MinPasswordLen)
	}
	if err := os.MkdirAll(*data, 0o755); err != nil {
		return err
	}
	db, err := sqlite.Open(app.DBPath(*data))
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := loadKey(*data)
	if err != nil {
		return err
	}
	svc, err := auth.New(db.Profiles(), db.Auth(), auth.Config{Key: key})
	if err != nil {
		return err
	}
	p, err := svc.UpsertUser(ctx, auth.UpsertUser{Email: *email, Name: *name, Role: domain.Role(*role), Auditor: *auditor})
	if err != nil {
		return err
	}
	if *password != "" {
		if err := svc.SetPassword(ctx, p.ID, *password); err != nil {
			return err
		}
	}
	token, _, err := svc.CreateToken(ctx, p.ID, *tokenName)
	if err != nil {
		return err
	}
	kind := "user"
	if p.Auditor {
		kind = "auditor"
	}
	fmt.Fprintf(out, "%s %s (%s, %s, id %s); API token: %s\n", kind, p.Email, p.Name, p.Role, p.ID, token)
	return nil
}
