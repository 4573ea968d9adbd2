// Runs scenarios through aws-local-stepfunctions for the differential test
// in ../differential_test.go. Usage: node sfndiff.cjs TOOLS_DIR < scenarios.json
// Each scenario: {"definition": {...}, "input": {...},
//   "responses": {"fn" or "fn job": [{"ok": v} | {"error": name, "message": text}]}}
// Prints one outcome per scenario: {"status", "output", "error", "cause",
// "entered": [state names], "calls": {fn: n}}.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { createRequire } = require('node:module');

const toolsRequire = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const { StateMachine } = toolsRequire('aws-local-stepfunctions');

function statesOf(def, out) {
  for (const [name, st] of Object.entries(def.States)) {
    out.push([name, st]);
    const inner = st.ItemProcessor || st.Iterator;
    if (inner) statesOf(inner, out);
  }
  return out;
}

async function main() {
  const scenarios = JSON.parse(fs.readFileSync(0, 'utf8'));
  const outcomes = [];
  for (const scenario of scenarios) outcomes.push(await run(scenario));
  process.stdout.write(JSON.stringify(outcomes));
}

async function run(scenario) {
  const calls = {};
  const seen = {};
  const respond = (input) => {
    const fn = input.FunctionName;
    const job = input.Payload && (input.Payload.job_id || input.Payload.user_id);
    const key = scenario.responses[fn + ' ' + job] ? fn + ' ' + job : fn;
    const list = scenario.responses[key];
    if (!list) throw new Error('no response scripted for ' + key);
    calls[fn] = (calls[fn] || 0) + 1;
    const n = seen[key] || 0;
    seen[key] = n + 1;
    const r = list[Math.min(n, list.length - 1)];
    if (r.error) {
      const e = new Error(JSON.stringify({ errorMessage: r.message, errorType: r.error }));
      e.name = r.error;
      throw e;
    }
    return { ExecutedVersion: '$LATEST', Payload: r.ok, StatusCode: 200 };
  };
  const overrides = { taskResourceLocalHandlers: {}, waitTimeOverrides: {}, retryIntervalOverrides: {} };
  for (const [name, st] of statesOf(scenario.definition, [])) {
    if (st.Type === 'Task') overrides.taskResourceLocalHandlers[name] = respond;
    if (st.Type === 'Wait') overrides.waitTimeOverrides[name] = 0;
    if (st.Retry) overrides.retryIntervalOverrides[name] = 0;
  }
  const sm = new StateMachine(scenario.definition);
  // The context object as the Go runner's execution "diff" has it (the default one has no Name).
  const context = { Execution: { Name: 'diff', Input: scenario.input, StartTime: new Date().toISOString() } };
  const execution = sm.run(scenario.input, { overrides, context });
  const entered = [];
  let failed = null;
  const logs = (async () => {
    for await (const ev of execution.eventLogs) {
      if (ev.type === 'StateEntered') entered.push(ev.state.name);
      if (ev.type === 'ExecutionFailed') failed = { error: ev.Error, cause: ev.Cause };
    }
  })();
  let result = { status: 'SUCCEEDED' };
  try {
    result.output = await execution.result;
  } catch (e) {
    result = { status: 'FAILED' };
  }
  await logs;
  if (failed) Object.assign(result, failed);
  result.entered = entered;
  result.calls = calls;
  return result;
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e));
  process.exit(1);
});
