#!/usr/bin/env bash
# Runs `entnorm eval` over every development set in ../shared/data/eval-dev (the protocol of its README:
# the set's gazetteer together with the default gazetteer, the exact-match baseline beside every figure),
# prints each set's tables, then one Markdown summary table for the README.
#
# Usage: bash scripts/eval_all.sh [--write-readme] [OUTDIR [EVAL OPTIONS...]]
#   OUTDIR (default target/eval) receives one .txt and .json per set; EVAL OPTIONS (e.g. --fuzzy,
#   --accept-threshold 0.8) are passed to every `entnorm eval`. --write-readme also replaces the summary
#   table in README.md (between its `eval_all.sh summary` markers); only with the default options, since
#   that table states the defaults' figures.
# The research data is read in place and never copied into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=../shared/data/eval-dev
if [ ! -d "$DEV" ]; then
  echo "scripts/eval_all.sh: SKIPPED: $DEV is absent (the shared research data is not checked out)" >&2
  exit 0
fi
command -v python3 >/dev/null || { echo "scripts/eval_all.sh: python3 is needed for the summary" >&2; exit 1; }
WRITE_README=0
if [ "${1:-}" = "--write-readme" ]; then
  WRITE_README=1
  shift
fi
OUT=${1:-target/eval}
shift || true
EXTRA=("$@")
if [ "$WRITE_README" = 1 ] && [ ${#EXTRA[@]} -gt 0 ]; then
  echo "scripts/eval_all.sh: --write-readme writes the figures of the default options; drop: ${EXTRA[*]}" >&2
  exit 2
fi
mkdir -p "$OUT"
cargo build --release --quiet
BIN=target/release/entnorm
NAMED_TYPES=PER,ORG,LOC,EVT,PRO

# name|gold file|extra arguments
SETS=(
  "slavicner|slavicner.jsonl|"
  "slavicner (all lemmas)|slavicner.jsonl|--set-variant alllemmas"
  "nerel|nerel.jsonl|--types $NAMED_TYPES"
  "elevant-aida-conll-dev|elevant-aida-conll-dev.jsonl|--types $NAMED_TYPES"
  "elevant-kore50|elevant-kore50.jsonl|"
)
for f in "$DEV"/hipe2022-*.jsonl; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .jsonl)
  SETS+=("$n|$n.jsonl|")
done

JSONS=()
for entry in "${SETS[@]}"; do
  IFS='|' read -r name file extra <<<"$entry"
  slug=$(echo "$name" | tr -c 'A-Za-z0-9.\n-' '_')
  echo "## $name"
  echo
  # shellcheck disable=SC2086
  "$BIN" eval "$DEV/$file" $extra "${EXTRA[@]}" -q --json "$OUT/$slug.json" | tee "$OUT/$slug.txt"
  echo
  JSONS+=("$name|$OUT/$slug.json")
done

python3 - "$WRITE_README" "${JSONS[@]}" <<'EOF'
import json, sys
from pathlib import Path

def pct(x):
    return "–" if x is None else f"{100 * x:.1f}"

rows = []
fingerprints = set()
write_readme = sys.argv[1] == "1"
for arg in sys.argv[2:]:
    name, path = arg.split("|", 1)
    r = json.load(open(path, encoding="utf-8"))
    fingerprints.add(r.get("default_gazetteer_fingerprint") or "none")
    e, b = r["evaluation"]["entnorm"], r["evaluation"]["baseline"]
    so, bo = e["overall"], b["overall"]
    label = name + (f" ({','.join(r['types'])})" if r.get("types") else "")
    rows.append(
        f"| {label} | {r['evaluation']['documents']:,} | {so['gold']:,} "
        f"| {pct(so['precision'])} / {pct(so['recall'])} / {pct(so['f1'])} "
        f"| {pct(bo['precision'])} / {pct(bo['recall'])} / {pct(bo['f1'])} "
        f"| {pct(e['precision_score_at_least_0_9'])} |"
    )
summary = "\n".join([
    "| set (scored types) | docs | gold linked mentions | entnorm P / R / F1 | baseline P / R / F1 | entnorm P of links scored ≥ 0.9 |",
    "|---|---:|---:|---|---|---:|",
    *rows,
    "",
    "Overlap scoring; default gazetteer fingerprint " + ", ".join(sorted(fingerprints)) + ".",
])
print("## Summary")
print()
print(summary)
if len(fingerprints) > 1:
    print("WARNING: the default gazetteer changed during the run; the rows are not comparable.", file=sys.stderr)
    sys.exit(1 if write_readme else 0)
if write_readme:
    begin, end = "<!-- eval_all.sh summary: begin -->\n", "<!-- eval_all.sh summary: end -->"
    readme = Path("README.md")
    text = readme.read_text(encoding="utf-8")
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        sys.exit("scripts/eval_all.sh: README.md lacks one pair of 'eval_all.sh summary' markers")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    readme.write_text(head + begin + summary + "\n" + end + tail, encoding="utf-8")
    print("\nREADME.md: summary table replaced", file=sys.stderr)
EOF
