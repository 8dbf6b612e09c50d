#!/usr/bin/env bash
# Measures the default gazetteer: compile time and peak memory of `entnorm gazetteer build`, the time to
# load the compiled index (a run over one short document, process start to exit), and peak memory of a
# run over N articles of the shared corpus with it. Prints a Markdown table for the README.
#
#   bash scripts/bench_gazetteer.sh [ARTICLES]     (default 5000; needs ../shared for the corpus part)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
WORK=${BENCH_WORK:-/tmp/entnorm-bench-gazetteer}
mkdir -p "$WORK"
cargo build --release --quiet
BIN=target/release/entnorm
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }

measure() { # label, command...: prints "label<TAB>wall s<TAB>peak RSS MB"
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || { cat "$WORK/stderr.txt" >&2; exit 1; }
  read -r wall rss <"$WORK/time.txt"
  printf '| %s | %s | %.0f |\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

echo "| step | wall s | peak RSS MB |"
echo "|---|---:|---:|"
measure "compile default gazetteer (\`entnorm gazetteer build\`)" $BIN gazetteer build -o "$WORK/default.idx"
stats=$(grep -o 'wrote .*' "$WORK/stderr.txt" || true)
printf 'one line\n' > "$WORK/one.txt"
measure "load compiled index + run on one line" $BIN run "$WORK/one.txt" -o "$WORK/out-one" --index "$WORK/default.idx" -q
if [ -f ../shared/data/corpus/news-multilingual.jsonl.zst ]; then
  { zstd -dc ../shared/data/corpus/news-multilingual.jsonl.zst || true; } | awk "NR%12==0" | head -n "$N" > "$WORK/slice.jsonl" || true
  mb=$(stat -c %s "$WORK/slice.jsonl" | awk '{printf "%.1f", $1/1e6}')
  measure "run on $N corpus articles ($mb MB JSONL), all threads" $BIN run "$WORK/slice.jsonl" -o "$WORK/out-slice" --index "$WORK/default.idx" -q
  measure "run on $N corpus articles, 1 thread" $BIN run "$WORK/slice.jsonl" -o "$WORK/out-slice1" --index "$WORK/default.idx" -q --threads 1
else
  echo "(../shared/data/corpus absent: corpus rows skipped)" >&2
fi
echo
echo "index: $stats; $(stat -c %s "$WORK/default.idx" | awk '{printf "%.0f MB", $1/1e6}') on disk"
