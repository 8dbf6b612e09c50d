#!/usr/bin/env python3
"""Measures how often fuzzy links are right on the development sets, by kind of link: the table behind the
fuzzy stage's calibrated scores (crates/entnorm-reconcile/src/fuzzy.rs).

Runs `entnorm run --fuzzy` over every set's gold documents with the set's gazetteer beside the default (the
protocol of ../shared/data/eval-dev/README.md), with both thresholds at 0 so that every fuzzy candidate is
written, and judges each fuzzy mention as `entnorm eval` does: among output mentions overlapping a scored
gold mention, right when one overlapping gold mention carries its entity ID. Prints counts per set and per
kind (raw score, one word or several, user's or default entity) over all sets together. Only aggregate
counts are printed; the research data stays in place (outputs under target/fzcal).

Usage: python3 scripts/fuzzy_calibration.py [ENTNORM_BINARY] [--raw]
"""
import collections
import csv
import json
import os
import subprocess
import sys

DEV = "../shared/data/eval-dev"
NAMED = {"PER", "ORG", "LOC", "EVT", "PRO"}
SETS = [
    ("slavicner", "slavicner.jsonl", None),
    ("nerel", "nerel.jsonl", NAMED),
    ("elevant-aida-conll-dev", "elevant-aida-conll-dev.jsonl", NAMED),
    ("elevant-kore50", "elevant-kore50.jsonl", None),
    ("hipe2022-hipe2020", "hipe2022-hipe2020.jsonl", None),
    ("hipe2022-newseye", "hipe2022-newseye.jsonl", None),
    ("hipe2022-sonar", "hipe2022-sonar.jsonl", None),
    ("hipe2022-topres19th", "hipe2022-topres19th.jsonl", None),
]


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = args[0] if args else "target/release/entnorm"
    extra = ["--accept-threshold", "0", "--review-threshold", "0"] if "--raw" in sys.argv else []
    kinds = collections.Counter()
    right = collections.Counter()
    for name, file, types in SETS:
        gold_path = os.path.join(DEV, file)
        if not os.path.exists(gold_path):
            continue
        out = os.path.join("target/fzcal", name)
        gaz = gold_path[: -len(".jsonl")] + ".gazetteer.tsv"
        user_ids = set()
        with open(gaz, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                user_ids.add(row["entity_id"])
        subprocess.run(
            [binary, "run", gold_path, "-o", out, "-g", gaz, "--fuzzy", "-q", "--id-field", "doc_id"] + extra,
            check=True,
        )
        gold = {}
        with open(gold_path, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                gold[d["doc_id"]] = [
                    (m["start"], m["end"], m["entity_id"])
                    for m in d["mentions"]
                    if m.get("entity_id") and (types is None or m.get("type") in types)
                ]
        n = c = 0
        with open(os.path.join(out, "mentions.csv"), encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["method"] != "fuzzy" or row["field"] != "text":
                    continue
                s, e = int(row["start"]), int(row["end"])
                over = [g for g in gold.get(row["doc_id"], []) if g[0] < e and s < g[1]]
                if not over:
                    continue
                ok = any(g[2] == row["entity_id"] for g in over)
                words = "multi" if len(row["surface"].split()) > 1 else "one"
                origin = "user" if row["entity_id"] in user_ids else "default"
                kind = (row["score"], words, origin)
                kinds[kind] += 1
                right[kind] += ok
                n += 1
                c += ok
        print(f"{name}: {n} judged fuzzy links, {c} right", flush=True)
    print("\nscore\twords\tentity\tlinks\tright\tshare")
    for kind in sorted(kinds, key=lambda k: (k[2], k[1], -float(k[0]))):
        print(f"{kind[0]}\t{kind[1]}\t{kind[2]}\t{kinds[kind]}\t{right[kind]}\t{right[kind] / kinds[kind]:.2f}")


if __name__ == "__main__":
    main()
