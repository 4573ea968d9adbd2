# GAS — see README.md. Every target works on a fresh machine with Go 1.26.
SHELL := /bin/bash
GO ?= go
SHARED ?= $(abspath ../shared)
DATA ?= .gas
export CDK_DISABLE_CLI_TELEMETRY=1
export AWS_EC2_METADATA_DISABLED=true

.PHONY: run test test-go vet asl bench fuzz build synth deploy clean

## run: the whole service on 127.0.0.1:8080 (portal, API, workflow runner, embedded storage)
run:
	$(GO) run ./cmd/gas serve --data $(DATA)

## test: everything CI runs
test: vet asl test-go

vet:
	$(GO) vet ./...

test-go:
	GAS_SHARED=$(SHARED) $(GO) test -count=1 -timeout 30m ./...

## asl: validate the state machines with asl-validator (pinned in tools/package.json)
asl:
	@test -x tools/node_modules/.bin/asl-validator || npm ci --prefix tools --no-audit --no-fund
	tools/node_modules/.bin/asl-validator --json-path statemachines/annotation.asl.json --json-path statemachines/restore.asl.json

## bench: throughput and memory against peers measured in the same run
bench:
	GAS_SHARED=$(SHARED) bash scripts/bench.sh

## fuzz: a short fuzzing session on the VCF record parser
fuzz:
	$(GO) test ./internal/vcf -run '^$$' -fuzz FuzzParseRecord -fuzztime 60s

clean:
	rm -rf dist cdk.out
