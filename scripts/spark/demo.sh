#!/usr/bin/env bash
# One-command local demo of the Spark job, with a single-process run beside it for comparison:
#   bash scripts/spark/demo.sh [ARTICLES] [PARTITIONS]
# ARTICLES: how many articles of ../shared/data/corpus to use (default: all 60,774); PARTITIONS: Spark
# partitions (default: Spark's choice, at least 2). Builds the release binary, the PySpark environment
# (target/spark/venv) and the compiled default gazetteer (target/spark/default.idx) when missing or
# older than their sources, runs `entnorm run` and the Spark job on `local[2]`, checks that entities.csv is
# byte-identical and the mention tables equal after sorting, and prints both throughputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
articles=${1:-all}
partitions=${2:-}
work=target/spark
export SPARK_LOCAL_IP=127.0.0.1
entnorm=target/release/entnorm
index=$work/default.idx
corpus=../shared/data/corpus/news-multilingual.jsonl.zst
[ -f "$corpus" ] || { echo "demo.sh: $corpus is missing (the shared research data)" >&2; exit 2; }

cargo build --release --locked --quiet
bash scripts/spark/setup_venv.sh "$work/venv"
if [ ! -f "$index" ] || [ "$entnorm" -nt "$index" ] || [ -n "$(find gazetteers/default -newer "$index" -print -quit)" ]; then
  "$entnorm" gazetteer build -o "$index"
fi

input=$work/demo-input.jsonl
if [ "$articles" = all ]; then
  zstd -qdc "$corpus" > "$input"
else
  # head closes the pipe early; zstd's SIGPIPE is expected there.
  (set +o pipefail; zstd -qdc "$corpus" | head -n "$articles" > "$input")
fi
mb=$(stat -c %s "$input" | awk '{printf "%.1f", $1 / 1e6}')
echo "demo: $(wc -l < "$input") articles, $mb MB of JSON Lines in $input"

now() { date +%s.%N; }
rm -rf "$work/demo-single" "$work/demo-spark"
t0=$(now)
"$entnorm" run "$input" -o "$work/demo-single" --index "$index" --threads 2 -q
t1=$(now)
"$work/venv/bin/python" scripts/spark/entnorm_spark.py --master 'local[2]' --input "$input" \
  --output "$work/demo-spark" --binary "$entnorm" --index "$index" ${partitions:+--partitions "$partitions"} \
  2> "$work/demo-spark.log" || { cat "$work/demo-spark.log" >&2; exit 1; }
t2=$(now)
tail -n 1 "$work/demo-spark.log"

cmp "$work/demo-single/entities.csv" "$work/demo-spark/entities.csv"
"$work/venv/bin/python" - "$work" <<'PY'
import csv, glob, sys
work = sys.argv[1]
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]
single = sorted(map(tuple, rows(f"{work}/demo-single/mentions.csv")))
spark = sorted(tuple(r) for p in glob.glob(f"{work}/demo-spark/mentions/part-*.csv") for r in rows(p))
if single != spark:
    sys.exit(f"demo: the mention tables differ ({len(single)} vs {len(spark)} rows)")
print(f"demo: identical results: {len(single)} mentions (equal after sorting), entities.csv byte-identical")
PY
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v mb="$mb" -v n="$(wc -l < "$input")" 'BEGIN {
  printf "demo: entnorm run, 2 threads:    %6.1f s  %6.2f MB/s  %7.0f articles/s\n", t1 - t0, mb / (t1 - t0), n / (t1 - t0)
  printf "demo: Spark local[2], whole job: %6.1f s  %6.2f MB/s  %7.0f articles/s (JVM start-up included)\n", t2 - t1, mb / (t2 - t1), n / (t2 - t1)
}'
