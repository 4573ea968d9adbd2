#!/usr/bin/env bash
# make bench-genome: whole-genome scale. Generates (deterministically) a
# synthetic reference of GRCh38's shape with dbSNP-like known variants and
# two queries (go run ./internal/annotate/cmd/gengenome), builds the gas
# bundle, then annotates both queries with `gas annotate` and `bcftools csq
# -l` (BGZF output for both), alternating the tools run by run. Prints
# records/s and the ratio, CPU time, peak RSS (with its anonymous and
# file-backed parts for gas, sampled from /proc), the bundle size by
# component, and the build's time and peak RSS.
#
# Environment: GENOME_SCALE (default 1 = 3.09 Gbp, 100 M known variants,
# 5 M WGS and 500 k exome records; 0.01 for a quick run), GENOME_SEED
# (default 1), GENOME_DIR (work directory, kept and reused when it holds the
# same scale and seed; default a temporary one, removed), BENCH_RUNS (runs of
# each tool per query, default 1), NICE (default 10), GENOME_REBUILD=0 (keep
# the bundle already in GENOME_DIR), BENCH_ONE_THREAD=0 (skip the run of gas
# on one thread), BENCH_VARIANTS=0 (skip the run of gas annotate --variants,
# which also writes the per-variant index: the script prints what the index
# adds to the run, issue 14's target), GENOME_BGZIP=0 (plain
# FASTA for both tools instead of bgzip).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/benchlib.sh

SCALE=${GENOME_SCALE:-1}
SEED=${GENOME_SEED:-1}
RUNS=${BENCH_RUNS:-1}
NICE=${NICE:-10}

need_tools bcftools:bcftools bgzip:tabix /usr/bin/time:time
work_dir "${GENOME_DIR:-}"
N="nice -n $NICE"

echo "== gas and the synthetic genome (scale $SCALE, seed $SEED) in $WORK"
go build -o "$WORK/gas" ./cmd/gas
go build -o "$WORK/gengenome" ./internal/annotate/cmd/gengenome
stamp="scale=$SCALE seed=$SEED"
if [ "$(cat "$WORK/.generated" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$WORK/.generated"
  start=$(date +%s.%N)
  $N "$WORK/gengenome" -q -o "$WORK/in" --scale "$SCALE" --seed "$SEED" | tee "$WORK/generated.txt"
  # One bgzipped FASTA for both tools; its .fai is the plain file's.
  # GENOME_BGZIP=0 keeps it plain (saves minutes at full scale).
  if [ "${GENOME_BGZIP:-1}" != 0 ]; then
    $N bgzip -@2 -f -i "$WORK/in/ref.fa"
    cp "$WORK/in/ref.fa.fai" "$WORK/in/ref.fa.gz.fai"
  fi
  echo "$stamp" > "$WORK/.generated"
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "generated in %.0f s\n", e - s }'
else
  cat "$WORK/generated.txt"
fi
IN=$WORK/in
FA=$IN/ref.fa.gz
[ -f "$FA" ] || FA=$IN/ref.fa

# out_of CMD...: the file CMD writes (the word after -o).
out_of() {
  while [ $# -gt 1 ]; do
    [ "$1" = -o ] && { echo "$2"; return; }
    shift
  done
  echo /dev/null/none
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v, sampling the
# process's RssAnon/RssFile from /proc every 0.5 s. Sets NAME_secs (best
# wall), NAME_cpu, NAME_rss (peak, MB), NAME_anon, NAME_file (peak MB) and
# appends to NAME_all.
measure() {
  local name=$1; shift
  local tf="$WORK/$name.time" anon=0 file=0 pid child k v
  # The previous run's output is removed first (replacing a large file is
  # the file system's work, not the tool's).
  local out
  out=$(out_of "$@")
  if [ -f "$out" ]; then rm -f "$out"; fi
  /usr/bin/time -v -o "$tf" $N "$@" 2>"$WORK/$name.stderr" &
  pid=$!
  # The sampler must cost next to nothing: it shares the 2 cores with the
  # tool measured (a pgrep and two awks every 0.2 s took ~3 s of a 10 s
  # gas run's wall time). nice and env exec the tool, so it is time's child,
  # looked up once; its status is read with builtins.
  child=""
  while kill -0 "$pid" 2>/dev/null; do
    [ -n "$child" ] || child=$(pgrep -P "$pid" | head -1 || true)
    if [ -n "$child" ] && [ -r "/proc/$child/status" ]; then
      while read -r k v _; do
        case $k in
          RssAnon:) ((v > anon)) && anon=$v ;;
          RssFile:) ((v > file)) && file=$v ;;
        esac
      done <"/proc/$child/status" 2>/dev/null || true
    fi
    sleep 0.5
  done
  wait "$pid" || { echo "bench-genome: $name failed:" >&2; tail -20 "$WORK/$name.stderr" >&2; exit 1; }
  local t c r
  t=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$tf")
  c=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$tf")
  r=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$tf")
  local bv="${name}_secs"
  if [ -z "${!bv:-}" ] || awk -v a="$t" -v b="${!bv}" 'BEGIN{exit !(a < b)}'; then
    printf -v "${name}_secs" '%s' "$t"; printf -v "${name}_cpu" '%s' "$c"
  fi
  local rv="${name}_rss" av="${name}_anon" fv="${name}_file" allv="${name}_all"
  ((r > ${!rv:-0})) && printf -v "$rv" '%s' "$r"
  ((anon / 1024 > ${!av:-0})) && printf -v "$av" '%s' "$((anon / 1024))"
  ((file / 1024 > ${!fv:-0})) && printf -v "$fv" '%s' "$((file / 1024))"
  printf -v "$allv" '%s' "${!allv:-}${!allv:+ }$t"
}

echo
if [ "${GENOME_REBUILD:-1}" = 0 ] && [ -f "$WORK/bundle/manifest.json" ] && "$WORK/gas" refdata info "$WORK/bundle" >/dev/null 2>&1; then
  echo "== gas refdata build: skipped, GENOME_REBUILD=0 reuses $WORK/bundle"
else
  echo "== gas refdata build"
  rm -rf "$WORK/bundle"
  measure build "$WORK/gas" refdata build -q -o "$WORK/bundle" --assembly GRCh38 \
    --fasta "$FA" --genes "$IN/genes.gtf.gz" --known "$IN/known.vcf.gz" >/dev/null
  printf "build: %.0f s wall, %.0f s CPU, peak RSS %d MB\n" "$build_secs" "$build_cpu" "$build_rss"
fi
echo "bundle by component (MB):"
known=$(awk -F'[:,]' '/"known_variants"/ {gsub(/ /, "", $2); print $2; exit}' "$WORK/bundle/manifest.json")
for part in seq known tx.gob.gz meta.json; do
  du -cb "$WORK/bundle"/chroms/*."$part" 2>/dev/null | tail -1 | awk -v p="$part" '{printf "  %-10s %9.1f\n", p, $1 / 1e6}'
done
kb=$(du -cb "$WORK/bundle"/chroms/*.known | tail -1 | cut -f1)
total=$(du -sb "$WORK/bundle" | cut -f1)
awk -v t="$total" -v k="$kb" -v n="$known" 'BEGIN { printf "  %-10s %9.1f   (%d known variants, %.2f bytes each)\n", "total", t / 1e6, n, k / n }'

echo
echo "== annotate: gas annotate and bcftools csq -l ($(bcftools --version | head -1)), $RUNS run(s) each, alternating"
echo "   gas uses $(nproc) threads (GOMAXPROCS), then 1 (GOMAXPROCS=1; BENCH_ONE_THREAD=0 skips it); bcftools csq annotates on one"
for q in wgs exome; do
  records=$(grep -vc '^#' "$IN/$q.vcf")
  for ((i = 1; i <= RUNS; i++)); do
    measure "gas_$q" "$WORK/gas" annotate --ref "$WORK/bundle" -o "$WORK/gas.$q.vcf.gz" --log "$WORK/gas.$q.log" "$IN/$q.vcf"
    measure "bcf_$q" bcftools csq -l -f "$FA" -g "$IN/genes.gff3.gz" -Oz -o "$WORK/bcftools.$q.vcf.gz" "$IN/$q.vcf"
    if [ "${BENCH_VARIANTS:-1}" != 0 ]; then
      measure "vix_$q" "$WORK/gas" annotate --ref "$WORK/bundle" --variants "$WORK/gas.$q.idx" -o "$WORK/gasv.$q.vcf.gz" --log "$WORK/gasv.$q.log" "$IN/$q.vcf"
    fi
    if [ "${BENCH_ONE_THREAD:-1}" != 0 ]; then
      measure "one_$q" env GOMAXPROCS=1 "$WORK/gas" annotate --ref "$WORK/bundle" -o "$WORK/gas1.$q.vcf.gz" --log "$WORK/gas1.$q.log" "$IN/$q.vcf"
    fi
  done
  gs="gas_${q}_secs" bs="bcf_${q}_secs" gc="gas_${q}_cpu" bc="bcf_${q}_cpu" gr="gas_${q}_rss" br="bcf_${q}_rss"
  ga="gas_${q}_anon" gf="gas_${q}_file" gall="gas_${q}_all" ball="bcf_${q}_all"
  echo "$q: $records records; wall times (s): gas ${!gall}; bcftools ${!ball}"
  awk -v q="$q" -v n="$records" -v gs="${!gs}" -v bs="${!bs}" -v gc="${!gc}" -v bc="${!bc}" -v gr="${!gr}" -v br="${!br}" \
      -v ga="${!ga:-0}" -v gf="${!gf:-0}" 'BEGIN {
    printf "  %-16s %8s %11s %8s %10s\n", "tool", "wall s", "records/s", "CPU s", "peak RSS"
    printf "  %-16s %8.2f %11.0f %8.2f %7d MB  (anon %d MB, file %d MB)\n", "gas annotate", gs, n / gs, gc, gr, ga, gf
    printf "  %-16s %8.2f %11.0f %8.2f %7d MB\n", "bcftools csq -l", bs, n / bs, bc, br
    printf "  %s ratio gas/bcftools (wall): %.2fx; CPU-time ratio bcftools/gas: %.2fx\n", q, bs / gs, bc / gc
  }'
  vs="vix_${q}_secs" vc="vix_${q}_cpu" vall="vix_${q}_all"
  if [ -n "${!vs:-}" ]; then
    awk -v s="${!vs}" -v c="${!vc}" -v gs="${!gs}" -v gc="${!gc}" -v all="${!vall}" -v sz="$(stat -c %s "$WORK/gas.$q.idx")" 'BEGIN {
      printf "  %-16s %8.2f %11s %8.2f   (runs %s s; index %d MB)\n", "gas --variants", s, "", c, all, sz / 1e6
      printf "  the per-variant index adds %.1f%% wall, %.1f%% CPU to gas annotate (best runs; issue 14: under 20%%)\n", 100 * (s / gs - 1), 100 * (c / gc - 1)
    }'
  fi
  os="one_${q}_secs" oc="one_${q}_cpu" or="one_${q}_rss"
  if [ -n "${!os:-}" ]; then
    awk -v n="$records" -v s="${!os}" -v c="${!oc}" -v r="${!or}" -v bs="${!bs}" 'BEGIN {
      printf "  %-16s %8.2f %11.0f %8.2f %7d MB\n", "gas, 1 thread", s, n / s, c, r
      printf "  1-thread ratio gas/bcftools (wall): %.2fx\n", bs / s
    }'
  fi
done
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg): the machine is shared, expect noise between runs."
