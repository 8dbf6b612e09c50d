#!/usr/bin/env python3
"""Per-round ratios of the last `../shared/bench/run.sh compare` run: entnorm's scan MB/s over each peer's.

    python3 scripts/compare_rounds.py [RESULTS.jsonl]   # default $BENCH_WORK/results/compare.jsonl

`run.sh compare` runs every tool once per round, round after round, and its table gives each tool's median
MB/s over the rounds. This machine's speed drifts by 30% and more within minutes, so the two medians can
come from different stretches of it; the runs of one round follow each other within seconds to a minute.
This prints, for each peer, entnorm's MB/s divided by the peer's in each round, and the median of those
paired ratios: the comparison least disturbed by the drift. The command under test is the record whose
`peer` is `bench_entry.py` (or the first tool of the run when there is none).
"""
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def paired_ratios(records, command="bench_entry.py"):
    """{peer: [(round, ratio)]} for the records of one compare run (dicts as run.sh writes them)."""
    speed = defaultdict(dict)  # tool -> {round: MB/s}
    for r in records:
        result = r.get("result") or {}
        if r.get("rc") == 0 and result.get("mb_per_s"):
            speed[r["peer"]][r["rep"]] = result["mb_per_s"]
    if command not in speed and records:
        command = records[0]["peer"]
    ours = speed.get(command, {})
    return {
        peer: [(rep, ours[rep] / mbps) for rep, mbps in sorted(by_rep.items()) if rep in ours]
        for peer, by_rep in speed.items()
        if peer != command
    }


def report(path):
    """The lines to print, and {peer: median paired ratio}."""
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    lines, medians = [], {}
    for peer, pairs in paired_ratios(records).items():
        if not pairs:
            continue
        medians[peer] = statistics.median(r for _, r in pairs)
        rounds = ", ".join(f"{r:.2f}x" for _, r in pairs)
        lines.append(f"- entnorm / {peer}, scan MB/s, round by round: {rounds}; median {medians[peer]:.2f}x")
    return lines, medians


def main():
    default = Path(os.environ.get("BENCH_WORK", "/tmp/entnorm-bench")) / "results/compare.jsonl"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not path.exists():
        print(f"compare_rounds.py: {path} does not exist (run `bash ../shared/bench/run.sh compare ...` first)",
              file=sys.stderr)
        return 2
    lines, _ = report(path)
    print("\n".join(lines) if lines else "compare_rounds.py: no round with both entnorm and a peer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
