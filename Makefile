# GAS — see README.md. Every target works on a fresh machine with Go 1.26.
SHELL := /bin/bash
GO ?= go
SHARED ?= $(abspath ../shared)
DATA ?= .gas
export CDK_DISABLE_CLI_TELEMETRY=1
export AWS_EC2_METADATA_DISABLED=true

.PHONY: run test test-go fmt-check vet asl bench bench-genome fuzz test-hostile build synth lint deploy clean

## run: the whole service on 127.0.0.1:8080 (portal, API, workflow runner, embedded storage)
run:
	GAS_SHARED=$(SHARED) $(GO) run ./cmd/gas serve --data $(DATA)

## test: everything CI runs
test: fmt-check vet asl test-go lint

## fmt-check: fails listing every Go file gofmt would change
fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi

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

## bench-genome: whole-genome scale (synthetic GRCh38-shaped reference) against bcftools csq -l; GENOME_SCALE=0.01 for a quick run
bench-genome:
	bash scripts/bench-genome.sh

## fuzz: every Fuzz* target of the tree in turn, FUZZTIME each (default 30s; Go fuzzes one
## target per run); FUZZ=regexp picks targets by name (e.g. FUZZ=Upload). New crashers land in
## the package's testdata/fuzz/<target>/ and then run as seeds in make test.
FUZZTIME ?= 30s
FUZZ ?= .
fuzz:
	@set -e; targets=$$(grep -r --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git -o '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func /:/' | sort -u | grep -E ":.*$(FUZZ)" || true); \
	test -n "$$targets" || { echo "fuzz: no Fuzz target matches FUZZ=$(FUZZ)"; exit 1; }; \
	for t in $$targets; do \
	  file=$${t%%:*}; name=$${t#*:}; pkg=./$$(dirname "$${file#./}"); \
	  echo "== $$pkg $$name for $(FUZZTIME)"; \
	  GAS_SHARED=$(SHARED) $(GO) test "$$pkg" -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME); \
	done

## test-hostile: the hostile-users suite alone (README "Hostile users"): every abuse class of
## issue 10 replayed with bounded time, and the fuzz targets' seeds
HOSTILE_PKGS := ./internal/app ./internal/annotate ./internal/vcf ./internal/tasks ./internal/httpguard \
	./internal/billing ./internal/fsblob ./internal/service ./internal/auth ./internal/memstore \
	./internal/sqlite ./internal/dynamo ./internal/refdata ./internal/domain ./webui
HOSTILE_RUN := Hostile|Limit|Deadline|Pathological|ManyContigs|HeaderMemory|BOM|Slow|HeaderCap|ConnsPerClient|Drain413|OutOfOrder|UnknownUser|APIVersions|OpenRedirect|HSTS|JobQuota|Recover|TempCleanup|TokenExpiry|SignInRateLimited|TellsNothing|SignUpLimits|ResetRateLimited|TestJobs|NothingBehind|Fuzz
test-hostile:
	GAS_SHARED=$(SHARED) $(GO) test -count=1 -timeout 20m $(HOSTILE_PKGS) -run '$(HOSTILE_RUN)'

## build: every Lambda as dist/<fn>/bootstrap (linux/arm64, static, stripped)
FUNCTIONS := api annotate notify archive mark-failed restore audit download
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
build:
	@for fn in $(FUNCTIONS); do \
	  echo "build dist/$$fn/bootstrap"; \
	  $(LAMBDA_ENV) $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o dist/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

## synth: the CloudFormation template in cdk.out, offline (no AWS account, no CDK CLI),
## checked by cdk-nag (AwsSolutions, Serverless); SYNTH_CONTEXT stands in for `-c` settings
SYNTH_CONTEXT ?= {"emailSender":"gas@lab.gas-project.org","emailIdentity":"lab.gas-project.org"}
CDK_ENV := CDK_OUTDIR=cdk.out JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
synth: build
	rm -rf cdk.out
	CDK_CONTEXT_JSON='$(SYNTH_CONTEXT)' $(CDK_ENV) $(GO) run ./infra
	@echo "template: cdk.out/$$(cd cdk.out && ls *.template.json)"

## lint: cfn-lint on the synthesized template; fails on any error (E rules). W3005
## is left out: CDK itself adds a DependsOn on each role next to the GetAtt of it.
lint: synth
	@if ! command -v cfn-lint >/dev/null; then \
	  echo "cfn-lint: NOT INSTALLED on this machine, the template was NOT linted (cdk-nag ran in synth)"; \
	else \
	  out=cdk.out/cfn-lint.txt; rc=0; \
	  cfn-lint --format parseable --ignore-checks W3005 -- cdk.out/*.template.json > $$out || rc=$$?; \
	  echo "cfn-lint $$(cfn-lint --version | awk '{print $$2}'): $$(grep -c ':E[0-9]' $$out) errors, $$(grep -c ':W[0-9]' $$out) warnings, $$(grep -c ':I[0-9]' $$out) informational ($$out)"; \
	  cat $$out; \
	  if (( rc & 3 )); then exit 1; fi; \
	fi

## deploy: build, then `cdk deploy` with the CLI pinned in tools/cdk (needs AWS credentials)
CDK := tools/cdk/node_modules/.bin/cdk
deploy: build
	@test -x $(CDK) || npm ci --prefix tools/cdk --no-audit --no-fund
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(CDK) deploy --no-notices $(CDK_ARGS)

clean:
	rm -rf dist cdk.out
