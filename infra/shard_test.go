package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/statemachines"
)

func TestDistributedMapMayStartOnlyItsOwnChildren(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN one policy of each machine with a Distributed Map (annotation: the
	// shards; restore: one child per archived job) starts executions of that
	// machine only, describes/stops only its executions, and reads only the
	// item lists of that map
	machines := map[string]struct{ workflow, other, items string }{
		"AnnotationMapRuns": {"AnnotationWorkflow", "RestoreWorkflow", "work/*/manifest.json"},
		"RestoreMapRuns":    {"RestoreWorkflow", "AnnotationWorkflow", "restores/*"},
	}
	found := map[string]int{}
	for id, pol := range resources(t, tmpl, "AWS::IAM::Policy") {
		var m struct{ workflow, other, items string }
		var name string
		for prefix, mm := range machines {
			if strings.HasPrefix(id, prefix) {
				m, name = mm, prefix
			}
		}
		if name == "" {
			continue
		}
		doc, _ := props(pol)["PolicyDocument"].(map[string]any)
		for _, s := range list(doc["Statement"]) {
			st, _ := s.(map[string]any)
			actions := list(st["Action"])
			res := strings.TrimSpace(strings.ReplaceAll(toJSON(st["Resource"]), "\n", ""))
			switch {
			case len(actions) == 1 && actions[0] == "states:StartExecution":
				if !strings.Contains(res, m.workflow) || strings.Contains(res, "*") || strings.Contains(res, m.other) {
					t.Errorf("%s: StartExecution on %s", name, res)
				}
				found[name]++
			case strings.Contains(toJSON(actions), "states:DescribeExecution") && strings.Contains(toJSON(actions), "states:StopExecution"):
				if !strings.Contains(res, ":execution:") || !strings.Contains(res, m.workflow) || !strings.Contains(res, "/*") {
					t.Errorf("%s: Describe/StopExecution on %s, want the machine's own executions", name, res)
				}
				found[name]++
			case len(actions) == 1 && actions[0] == "s3:GetObject":
				if !strings.Contains(res, m.items) {
					t.Errorf("%s: ItemReader reads %s, want %s", name, res, m.items)
				}
				found[name]++
			default:
				t.Errorf("%s: unexpected statement %v on %s", name, actions, res)
			}
		}
	}
	for name := range machines {
		if found[name] != 3 {
			t.Errorf("%s: found %d of the 3 map-run statements", name, found[name])
		}
	}
	// AND the shard Lambdas touch S3 only under a job's prefixes
	for fn, sts := range statementsByFunction(t, tmpl) {
		if fn != statemachines.TaskPlan && fn != statemachines.TaskAnnotateShard && fn != statemachines.TaskMerge {
			continue
		}
		for _, st := range sts {
			if !strings.Contains(toJSON(st["Action"]), "s3:") || toJSON(st["Action"]) == `"s3:ListBucket"` || toJSON(st["Action"]) == `["s3:ListBucket"]` {
				continue // HEAD answers 404, not 403, only to a caller that may list
			}
			res := toJSON(st["Resource"])
			if !strings.Contains(res, "/inputs/*") && !strings.Contains(res, "/results/*") && !strings.Contains(res, "/work/*") && !strings.Contains(res, "/bundle/*") {
				t.Errorf("%s: %v on %s, want a job's (or the bundle's) prefix", fn, st["Action"], res)
			}
		}
	}
}

func TestAnnotateShardIsSizedFromTheBundle(t *testing.T) {
	dir := t.TempDir()
	if _, err := refdata.BuildMini(context.Background(), testshared.Dir(t), dir); err != nil {
		t.Fatal(err)
	}
	largest, err := largestChromosomeBytes(dir)
	if err != nil || largest <= 0 {
		t.Fatalf("largest chromosome: %d, %v", largest, err)
	}
	derived := max(512, (largest>>20)*5/4+tmpMarginMB)
	tests := []struct {
		name           string
		cfg            func(*Config)
		tmpMB, memMB   float64
		wantCacheBytes int64
	}{
		{"defaults", func(*Config) {}, defaultShardTmpMB, defaultShardMemoryMB, (defaultShardTmpMB - tmpMarginMB/2) << 20},
		{"context values", func(c *Config) { c.ShardTmpMB, c.ShardMemoryMB = 8192, 3008 }, 8192, 3008, (8192 - tmpMarginMB/2) << 20},
		{"from the bundle: its largest chromosome plus a margin", func(c *Config) { c.BundleDir = dir },
			float64(derived), defaultShardMemoryMB, (derived - tmpMarginMB/2) << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// GIVEN a configuration
			cfg := defaultTestConfig()
			tc.cfg(&cfg)
			// WHEN it is synthesized
			tmpl := synth(t, cfg)
			// THEN AnnotateShard has that /tmp and memory, and its cache the /tmp less the margin
			for _, f := range resources(t, tmpl, "AWS::Lambda::Function") {
				p := props(f)
				env, _ := p["Environment"].(map[string]any)
				vars, _ := env["Variables"].(map[string]any)
				if vars[awsenv.Task] != statemachines.TaskAnnotateShard {
					continue
				}
				tmp, _ := p["EphemeralStorage"].(map[string]any)
				if tmp["Size"] != tc.tmpMB || p["MemorySize"] != tc.memMB || vars[awsenv.RefdataCacheBytes] != itoa(tc.wantCacheBytes) {
					t.Errorf("/tmp %v, memory %v, cache %v; want %v, %v, %d", tmp["Size"], p["MemorySize"], vars[awsenv.RefdataCacheBytes], tc.tmpMB, tc.memMB, tc.wantCacheBytes)
				}
				return
			}
			t.Fatal("no AnnotateShard Lambda")
		})
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
