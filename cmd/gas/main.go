// Command gas is the one binary of the Genomics Annotation Service:
// the all-in-one local server and the command-line tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run portal, API, workflow runner and embedded storage on one machine", runServe},
		{"annotate", "annotate a VCF with the reference bundle", runAnnotate},
		{"variants", "print the rows of a per-variant index that match filters, as TSV", runVariants},
		{"refdata", "build, inspect or upload (to AWS) a reference bundle", runRefdata},
		{"user", "create or update a local account and print an API token", runUser},
		{"history", "print a job's workflow execution history", runHistory},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		os.Exit(2)
	}
	for _, c := range commands() {
		if c.name == os.Args[1] {
			err := c.run(ctx, os.Args[2:])
			if errors.Is(err, flag.ErrHelp) {
				return // -h: the command printed its usage
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "gas %s: %v\n", c.name, err)
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "gas: unknown command %q\n\n", os.Args[1])
	usage()
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gas <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'gas <command> -h' for a command's flags.")
}
