#!/usr/bin/env python3
"""Runs entnorm on a slice of the shared news corpus and reports, per language, linked mentions per 1,000
words, plus a reproducible random sample of linked mentions with context for checking by eye.

    python3 scripts/corpus_report.py [--articles 5000] [--sample 100] [--seed 7] [--bin target/release/entnorm]

Words are counted as whitespace-separated tokens, except in Chinese, Japanese and Thai, where 1 word is counted
per 2 characters of text without spaces (a rough convention, stated so figures can be compared between runs).
Reads ../shared/data/corpus (research-only: nothing from it is written into the repository).
"""
import argparse
import collections
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACELESS = {"zh", "ja", "th", "lo", "km", "my"}


def words(text: str, lang: str) -> int:
    if lang in SPACELESS:
        return max(1, len("".join(text.split())) // 2)
    return len(text.split())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bin", default=str(ROOT / "target/release/entnorm"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    corpus = Path(args.shared) / "data/corpus/news-multilingual.jsonl.zst"
    if not corpus.exists():
        print(f"SKIPPED: {corpus} is absent", file=sys.stderr)
        return 0
    work = Path(tempfile.mkdtemp(prefix="entnorm-corpus-report-"))
    slice_path = work / "slice.jsonl"
    # every 12th article, so that the slice mixes languages in corpus proportions
    dec = subprocess.Popen(["zstd", "-dc", str(corpus)], stdout=subprocess.PIPE, text=True, encoding="utf-8")
    docs = {}
    with open(slice_path, "w", encoding="utf-8") as out:
        for i, line in enumerate(dec.stdout):
            if i % 12 == 11:
                d = json.loads(line)
                docs[d["doc_id"]] = d
                out.write(line)
                if len(docs) == args.articles:
                    break
    dec.kill()
    subprocess.run([args.bin, "run", str(slice_path), "-o", str(work / "out"), "-q"], check=True)
    mentions = list(csv.DictReader(open(work / "out/mentions.csv", encoding="utf-8")))
    per_lang_words = collections.Counter()
    per_lang_docs = collections.Counter()
    for d in docs.values():
        lang = d.get("lang") or "und"
        per_lang_docs[lang] += 1
        per_lang_words[lang] += words(d.get("title") or "", lang) + words(d["text"], lang)
    per_lang_mentions = collections.Counter((docs[m["doc_id"]].get("lang") or "und") for m in mentions)
    print(f"{len(docs)} articles, {len(mentions)} linked mentions\n")
    print("| lang | articles | words | linked mentions | per 1,000 words |")
    print("|---|---:|---:|---:|---:|")
    for lang, n in per_lang_docs.most_common():
        w = per_lang_words[lang]
        m = per_lang_mentions[lang]
        print(f"| {lang} | {n} | {w} | {m} | {1000 * m / w:.1f} |")
    rng = random.Random(args.seed)
    sample = rng.sample(mentions, min(args.sample, len(mentions)))
    print(f"\nSample of {len(sample)} linked mentions (seed {args.seed}): lang, context, -> entity")
    for i, m in enumerate(sample, 1):
        d = docs[m["doc_id"]]
        text = d["title"] if m["field"] == "title" else d["text"]
        s, e = int(m["start"]), int(m["end"])
        ctx = (text[max(0, s - 40):s] + "[[" + text[s:e] + "]]" + text[e:e + 40]).replace("\n", " ")
        print(f"{i:3} {d.get('lang')}\t{ctx}\t-> {m['entity_id']} {m['entity_name']} ({m['entity_type']}, {m['method']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
