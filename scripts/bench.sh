#!/usr/bin/env bash
# make bench: throughput and peak memory of `gas annotate` against
# `bcftools csq -l` (Debian package) on the same deterministic input and the
# same reference (the FASTA and GFF3 of ../shared/refdata/grch38-mini), in the
# same run, then the Go benchmark of the engine.
#
# Environment: GAS_SHARED (default ../shared), BENCH_RECORDS (default
# 2000000), BENCH_RUNS (runs of each tool, alternating, best kept; default 3), BENCH_DIR
# (work directory, kept; default a temporary one, removed), BENCH_GO=0 skips
# the Go benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/benchlib.sh

SHARED=${GAS_SHARED:-../shared}
MINI="$SHARED/refdata/grch38-mini"
N=${BENCH_RECORDS:-2000000}
RUNS=${BENCH_RUNS:-3}
[ -d "$MINI" ] || { echo "bench: $MINI not found (set GAS_SHARED)" >&2; exit 1; }

need_tools bcftools:bcftools /usr/bin/time:time
work_dir "${BENCH_DIR:-}"

echo "== preparing in $WORK"
go build -o "$WORK/gas" ./cmd/gas
# One reference for both tools: the mini FASTA and the Ensembl GFF3 files.
(zcat -f "$MINI/chr21.fa.gz"; cat "$MINI/chrM.fa") > "$WORK/ref.fa"
(zcat -f "$MINI/chr21.genes.gff3.gz"; grep -v '^#' "$MINI/chrM.genes.gff3") > "$WORK/genes.gff3"
"$WORK/gas" refdata build -q -o "$WORK/bundle" --assembly GRCh38 \
  --fasta "$MINI/chr21.fa.gz" --fasta "$MINI/chrM.fa" \
  --genes "$MINI/chr21.genes.gff3.gz" --genes "$MINI/chrM.genes.gff3" \
  --known "$MINI/dbsnp149.chr21.vcf.gz" --cytoband "$MINI/cytoBand.hg38.txt.gz" >/dev/null
go run ./internal/annotate/cmd/genvcf --ref "$WORK/bundle" -n "$N" -o "$WORK/input.vcf"
records=$(grep -vc '^#' "$WORK/input.vcf")
echo "input: $records records, $(du -m "$WORK/input.vcf" | cut -f1) MB, over 21:24985581-26000306 and MT"

# measure NAME CMD...: runs CMD once under /usr/bin/time -v; keeps the
# fastest wall time so far, its CPU time (user+sys) and the highest peak RSS
# in ${NAME}_secs / ${NAME}_cpu / ${NAME}_rss_kb, and every wall time in
# ${NAME}_all.
measure() {
  local name=$1; shift
  local best_var="${name}_secs" cpu_var="${name}_cpu" rss_var="${name}_rss_kb" all_var="${name}_all" t c r
  /usr/bin/time -v -o "$WORK/$name.time" "$@" 2>"$WORK/$name.stderr" || {
    echo "bench: $name failed:" >&2; tail -20 "$WORK/$name.stderr" >&2; exit 1; }
  t=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$WORK/$name.time")
  c=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$WORK/$name.time")
  r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/$name.time")
  if [ -z "${!best_var:-}" ] || awk -v a="$t" -v b="${!best_var}" 'BEGIN{exit !(a < b)}'; then
    printf -v "$best_var" '%s' "$t"; printf -v "$cpu_var" '%s' "$c"
  fi
  ((r > ${!rss_var:-0})) && printf -v "$rss_var" '%s' "$r"
  printf -v "$all_var" '%s' "${!all_var:-}${!all_var:+ }$t"
}

# The tools alternate run by run, so a change in the machine's load (it may
# be shared) affects both alike. The previous run's output is removed before
# each run, outside the timing: replacing a file frees its blocks at once
# (ext4 mounted with discard took 0.3-0.4 s for gas's 663 MB), which is not
# the tool's work.
echo "== gas annotate and bcftools csq -l ($(bcftools --version | head -1)), $RUNS runs each, alternating"
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$WORK/gas.vcf"
  measure gas "$WORK/gas" annotate --ref "$WORK/bundle" -o "$WORK/gas.vcf" --log "$WORK/gas.log" "$WORK/input.vcf"
  rm -f "$WORK/bcftools.vcf"
  measure bcf bcftools csq -l -f "$WORK/ref.fa" -g "$WORK/genes.gff3" -Ov -o "$WORK/bcftools.vcf" "$WORK/input.vcf"
done
echo "wall times (s): gas $gas_all; bcftools $bcf_all"

gas_out=$(grep -vc '^#' "$WORK/gas.vcf")
bcf_out=$(grep -vc '^#' "$WORK/bcftools.vcf")
gas_mb=$(du -m "$WORK/gas.vcf" | cut -f1)
bcf_mb=$(du -m "$WORK/bcftools.vcf" | cut -f1)
gas_csq=$(grep -v '^#' "$WORK/gas.vcf" | grep -c 'CSQ=' || true)
bcf_csq=$(grep -v '^#' "$WORK/bcftools.vcf" | grep -c 'BCSQ=' || true)

awk -v n="$records" -v gs="$gas_secs" -v gr="$gas_rss_kb" -v bs="$bcf_secs" -v br="$bcf_rss_kb" \
    -v gc_cpu="$gas_cpu" -v bc_cpu="$bcf_cpu" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v go="$gas_out" -v bo="$bcf_out" -v gc="$gas_csq" -v bc="$bcf_csq" -v runs="$RUNS" \
    -v gm="$gas_mb" -v bm="$bcf_mb" 'BEGIN {
  printf "\n%-18s %9s %12s %9s %12s %18s %10s\n", "tool", "wall s", "variants/s", "CPU s", "peak RSS", "records (with CSQ)", "output"
  printf "%-18s %9.2f %12.0f %9.2f %9.0f MB %9d (%d) %7d MB\n", "gas annotate", gs, n / gs, gc_cpu, gr / 1024, go, gc, gm
  printf "%-18s %9.2f %12.0f %9.2f %9.0f MB %9d (%d) %7d MB\n", "bcftools csq -l", bs, n / bs, bc_cpu, br / 1024, bo, bc, bm
  printf "\nthroughput ratio gas/bcftools (wall): %.2fx (target >= 2x); gas peak RSS %.0f MB (target < 300 MB)\n", bs / gs, gr / 1024
  printf "CPU-time ratio bcftools/gas: %.2fx (gas may use both cores, bcftools csq uses one)\n", bc_cpu / gc_cpu
  printf "best of %d run(s) each; load average %s: the machine is shared, so expect noise between runs.\n", runs, load
}'

if [ "${BENCH_GO:-1}" != 0 ]; then
  echo
  echo "== go test -bench (engine on the mini bundle, in-memory input)"
  GAS_SHARED="$SHARED" go test -run '^$' -bench 'BenchmarkRun' -benchtime 2x -count 1 ./internal/annotate
fi
