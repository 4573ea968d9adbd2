#!/usr/bin/env bash
# scripts/bench-serve.sh: a whole job through the sharded workflow against the
# engine alone, on the same file, alternating run by run. `gas serve` (on a
# random port, a fresh data directory) takes the bench-genome WGS query from
# upload to COMPLETED through the JSON API. Its peer writes the same three
# files as the job: `gas annotate --index --variants X.idx -o X.vcf.gz` (BGZF,
# its tabix index and the per-variant index); a second peer, `gas annotate
# --index` (no variant index, the peer of the figures before 2026-12-05 21:40),
# runs too, and both ratios are printed.
# A job's wall time runs from the upload's start to the job's completed_at
# (not to the poll that saw it).
# Prints each run's wall and CPU time (with its system part, and the bytes
# gas serve wrote to the disk for the job: upload, work files, result; the
# less noisy figure on a shared machine) with how long each job's upload
# request and its Plan, ShardMap and Merge steps took, the best of each and
# their ratios, and the last job's steps from its history; fails when the
# last job's result, decompressed, differs from gas annotate's, or its
# variant table's row count from the peer's index's (gas variants --count).
#
# Environment: GENOME_DIR (required: a `make bench-genome` work directory
# holding bundle/ and in/wgs.vcf, e.g. GENOME_SCALE=0.1 GENOME_DIR=/tmp/g
# make bench-genome), BENCH_RUNS (default 2), BENCH_INPUT (default
# $GENOME_DIR/in/wgs.vcf), NICE (default 10), GAS_BIN (a gas binary to
# measure, e.g. another commit's; default: built from this tree),
# SERVE_CPUPROFILE (a file: `gas serve --cpuprofile`, for `go tool pprof`),
# plus any GAS_SHARD_* setting of `gas serve`. The upload limit (GAS_MAX_UPLOAD,
# 100MB by default) is raised to the input's size when that is larger: the
# full-scale WGS query is 195 MB of plain VCF.
set -euo pipefail
cd "$(dirname "$0")/.."

G=${GENOME_DIR:?set GENOME_DIR to a make bench-genome work directory}
IN=${BENCH_INPUT:-$G/in/wgs.vcf}
RUNS=${BENCH_RUNS:-2}
N="nice -n ${NICE:-10}"
[ -f "$G/bundle/manifest.json" ] && [ -f "$IN" ] || { echo "bench-serve: need $G/bundle and $IN (run make bench-genome with GENOME_DIR=$G)" >&2; exit 1; }

WORK=$(mktemp -d)
SERVE_PID=""
cleanup() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
GAS=${GAS_BIN:-$WORK/gas}
[ -n "${GAS_BIN:-}" ] || go build -o "$GAS" ./cmd/gas
PORT=$((20000 + RANDOM % 30000))
URL=http://127.0.0.1:$PORT
DATA=$WORK/data
TOKEN=$("$GAS" user add --data "$DATA" --email bench@example.org --name bench --role premium_user | awk '{t = $NF} END {print t}')
size=$(stat -c %s "$IN")
[ "$size" -le 100000000 ] || export GAS_MAX_UPLOAD=${GAS_MAX_UPLOAD:-$((size + 1000000))}
$N "$GAS" serve --data "$DATA" --ref "$G/bundle" --addr "127.0.0.1:$PORT" ${SERVE_CPUPROFILE:+--cpuprofile "$SERVE_CPUPROFILE"} >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do curl -fs "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

now() { date +%s.%N; }
# cpu PID: user+system CPU seconds of a running process so far.
cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
# sys PID: the system (kernel) part of it: on this VM mostly copying into
# page-cache pages, whose cost varies with how lately the kernel used them.
sys() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", $15 / t }' "/proc/$1/stat"; }
# written PID: bytes a running process has caused to be written to storage so far.
written() { awk '$1 == "write_bytes:" { print $2 }' "/proc/$1/io"; }
# steps JOB: how long the upload request and each step of the job took
# (from the job's history: the time between a state's entry and its exit).
steps() {
  "$GAS" history --data "$DATA" "$1" | awk -v up="$2" '
    function secs(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    $5 ~ /StateEntered$/ { t0[$6] = secs($3) }
    $5 ~ /StateExited$/ && ($6 == "Plan" || $6 == "ShardMap" || $6 == "Merge") { d[$6] = secs($3) - t0[$6] }
    END { printf "upload %.2f s, Plan %.2f s, ShardMap %.2f s, Merge %.2f s", up, d["Plan"], d["ShardMap"], d["Merge"] }'
}
serve_run() {
  local start id job st c0 s0 w0 up
  c0=$(cpu "$SERVE_PID") s0=$(sys "$SERVE_PID") w0=$(written "$SERVE_PID")
  start=$(now)
  id=$(curl -fsS -H "Authorization: Bearer $TOKEN" -F "file=@$IN" "$URL/api/v1/jobs" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
  [ -n "$id" ] || { echo "bench-serve: upload failed" >&2; exit 1; }
  up=$(awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
  while :; do
    job=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/jobs/$id")
    st=$(sed -n 's/.*"status": *"\([A-Z]*\)".*/\1/p' <<<"$job")
    case $st in COMPLETED) break ;; FAILED) echo "bench-serve: job $id failed" >&2; exit 1 ;; esac
    # Every poll forks curl and sed beside the job on the same 2 cores
    # (forks every 0.1 s measurably slowed it); the wall time ends at the
    # job's completed_at, so the poll's lag does not count.
    sleep 0.5
  done
  awk -v s="$start" -v e="$(date -d "$(sed -n 's/.*"completed_at": *"\([^"]*\)".*/\1/p' <<<"$job")" +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
  awk -v a="$c0" -v b="$(cpu "$SERVE_PID")" 'BEGIN { printf " %.2f", b - a }'
  awk -v a="$s0" -v b="$(sys "$SERVE_PID")" 'BEGIN { printf " %.2f", b - a }'
  awk -v a="$w0" -v b="$(written "$SERVE_PID")" 'BEGIN { printf " %.0f", (b - a) / 1e6 }'
  echo "$id" >"$WORK/last-job"
  echo "$up" >"$WORK/last-upload"
}
# annotate_run [--variants]: the peer, with the variant index or without.
annotate_run() {
  local start vix=()
  rm -f "$WORK/annotate.vcf.gz" "$WORK/annotate.vcf.gz.tbi" "$WORK/annotate.idx" # as a job, it writes new files
  [ "${1:-}" = --variants ] && vix=(--variants "$WORK/annotate.idx")
  start=$(now)
  /usr/bin/time -f "%U %S %O" -o "$WORK/annotate.time" $N "$GAS" annotate --ref "$G/bundle" --index "${vix[@]}" -o "$WORK/annotate.vcf.gz" --log "$WORK/annotate.log" "$IN" 2>"$WORK/annotate.err"
  awk -v s="$start" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'
  awk '{ printf " %.2f %.2f %.0f", $1 + $2, $2, $3 * 512 / 1e6 }' "$WORK/annotate.time"
}

records=$(grep -vc '^#' "$IN")
echo "== $records records ($IN), $RUNS run(s) of each, alternating; load average $(cut -d' ' -f1-3 /proc/loadavg)"
serve_all="" ann_all="" serve_cpu="" ann_cpu="" tbx_all="" tbx_cpu=""
for ((i = 1; i <= RUNS; i++)); do
  read -r s sc ss sw <<<"$(serve_run)"; serve_all="$serve_all $s" serve_cpu="$serve_cpu $sc"
  read -r t tc ts tw <<<"$(annotate_run)"; tbx_all="$tbx_all $t" tbx_cpu="$tbx_cpu $tc"
  read -r a ac as aw <<<"$(annotate_run --variants)"; ann_all="$ann_all $a" ann_cpu="$ann_cpu $ac"
  echo "run $i: gas serve $s s ($sc s CPU, $ss s of it system, $sw MB written), gas annotate --variants $a s ($ac s CPU, $as s system, $aw MB written); without --variants $t s ($tc s CPU, $ts s system, $tw MB written)"
  echo "       the job: $(steps "$(cat "$WORK/last-job")" "$(cat "$WORK/last-upload")"); pair ratio $(awk -v s="$s" -v a="$a" -v t="$t" 'BEGIN { printf "%.2fx (%.2fx without --variants)", s / a, s / t }')"
done
best() { tr ' ' '\n' | awk 'NF && (b == "" || $1 < b) { b = $1 } END { print b }'; }
bs=$(best <<<"$serve_all") ba=$(best <<<"$ann_all") bsc=$(best <<<"$serve_cpu") bac=$(best <<<"$ann_cpu")
bt=$(best <<<"$tbx_all") btc=$(best <<<"$tbx_cpu")
awk -v s="$bs" -v a="$ba" -v sc="$bsc" -v ac="$bac" -v t="$bt" -v tc="$btc" 'BEGIN {
  printf "best wall: gas serve %.2f s, gas annotate --variants %.2f s, ratio serve/annotate %.2fx (without --variants %.2f s: %.2fx)\n", s, a, s / a, t, s / t
  printf "best CPU:  gas serve %.2f s, gas annotate --variants %.2f s, ratio serve/annotate %.2fx (without --variants %.2f s: %.2fx)\n", sc, ac, sc / ac, tc, sc / tc }'
# The job's result must be what gas annotate writes (as text: the BGZF blocks
# differ where the shards' parts meet).
curl -fsS -H "Authorization: Bearer $TOKEN" -o "$WORK/serve.vcf.gz" "$URL/api/v1/jobs/$(cat "$WORK/last-job")/result?format=vcf.gz"
if cmp -s <(zcat "$WORK/serve.vcf.gz") <(zcat "$WORK/annotate.vcf.gz"); then
  echo "result: the last job's VCF is byte-identical to gas annotate's (decompressed)"
else
  echo "bench-serve: the last job's result differs from gas annotate's" >&2
  exit 1
fi
# The job's variant table holds the rows of the peer's variant index.
jobrows=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/api/v1/jobs/$(cat "$WORK/last-job")/variants?limit=1" | sed -n 's/.*"total": *\([0-9]*\).*/\1/p')
peerrows=$("$GAS" variants --count "$WORK/annotate.vcf.gz" "$WORK/annotate.idx")
if [ -n "$jobrows" ] && [ "$jobrows" = "$peerrows" ]; then
  echo "variants: the last job's variant table has the $jobrows rows of gas annotate --variants's index"
else
  echo "bench-serve: the last job's variant table has ${jobrows:-no} rows, gas annotate --variants's index $peerrows" >&2
  exit 1
fi
echo "last job's steps (gas history):"
"$GAS" history --data "$DATA" "$(cat "$WORK/last-job")" | awk '/StateEntered|StateExited|MapRun/ {print "  " $0}' | cut -c1-110
echo "load average $(cut -d' ' -f1-3 /proc/loadavg): the machine is shared, expect noise between runs."
