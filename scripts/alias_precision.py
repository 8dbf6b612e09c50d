#!/usr/bin/env python3
"""Precision of links by kind of alias, measured on the eval-dev sets whose IDs are Wikidata QIDs (so a
default-gazetteer entity and a gold entity can be compared directly): which alias shapes are safe enough to
match, and which the rules in gazetteers/README.md must restrict.

    python3 scripts/alias_precision.py [--bin target/release/entnorm]

For each set: runs `entnorm run` over the gold texts with the set's gazetteer (`-g`) on top of the default
gazetteer, keeps output mentions that overlap a linked gold mention (the protocol's precision denominator),
and reports precision by whose spelling matched (the set's own name, or an alias from the default
gazetteer), by alias shape and by match method, separately for links with status `accepted` and `review`.
Reads ../shared/data/eval-dev (research-only; nothing from it is written into the repository).
"""
import argparse
import collections
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ["nerel", "elevant-aida-conll-dev", "elevant-kore50", "hipe2022-hipe2020", "hipe2022-newseye",
        "hipe2022-sonar", "hipe2022-topres19th"]


def shape(alias: str) -> str:
    words = alias.split()
    if len(words) > 1:
        return "several words"
    n = sum(ch.isalpha() for ch in alias)
    if n <= 3:
        return "one word, <= 3 letters"
    if n <= 5:
        return "one word, 4-5 letters"
    return "one word, >= 6 letters"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/entnorm"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    dev = Path(args.shared) / "data/eval-dev"
    if not dev.is_dir():
        print(f"SKIPPED: {dev} is absent", file=sys.stderr)
        return 0
    work = Path(tempfile.mkdtemp(prefix="entnorm-alias-precision-"))
    # (origin, shape or method) -> [correct, links] per status: accepted links are what a researcher keeps,
    # review links are written for checking.
    total = collections.defaultdict(lambda: {"accepted": [0, 0], "review": [0, 0]})
    for name in SETS:
        gold = {}
        with open(work / f"{name}.jsonl", "w", encoding="utf-8") as out:
            for line in open(dev / f"{name}.jsonl", encoding="utf-8"):
                d = json.loads(line)
                gold[d["doc_id"]] = [m for m in d["mentions"] if m["entity_id"]]
                out.write(json.dumps({"id": d["doc_id"], "text": d["text"], "lang": d.get("lang")},
                                     ensure_ascii=False) + "\n")
        set_rows = {tuple(row.split("\t")[:2]) for row in open(dev / f"{name}.gazetteer.tsv", encoding="utf-8")}
        subprocess.run([args.bin, "run", str(work / f"{name}.jsonl"), "-o", str(work / name), "-q",
                        "-g", str(dev / f"{name}.gazetteer.tsv")], check=True)
        for m in csv.DictReader(open(work / name / "mentions.csv", encoding="utf-8")):
            s, e = int(m["start"]), int(m["end"])
            over = [g for g in gold[m["doc_id"]] if g["start"] < e and s < g["end"]]
            if not over:
                continue
            ok = any(g["entity_id"] in (m["entity_id"], m["default_id"]) for g in over)
            # Whose spelling matched: the set's own name for the entity, or a default-gazetteer alias
            # (a name the default gives the same QID, a default entity, or an enriched name).
            origin = "set name" if (m["entity_id"], m["alias"]) in set_rows else "default alias"
            for key in [(origin, shape(m["alias"])), (origin, "method " + m["method"])]:
                tally = total[key][m["status"]]
                tally[0] += ok
                tally[1] += 1

    def cell(ok_n):
        ok, n = ok_n
        return f"{n} | {100 * ok / n:.1f}" if n else "0 | -"

    print("| alias origin | alias shape or method | accepted links over gold | precision % "
          "| review links over gold | precision % |")
    print("|---|---|---:|---:|---:|---:|")
    for (origin, what), by_status in sorted(total.items()):
        print(f"| {origin} | {what} | {cell(by_status['accepted'])} | {cell(by_status['review'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
