#!/usr/bin/env python3
"""Runs entnorm on a slice of the shared news corpus and reports, per language, linked mentions per 1,000
words, plus a reproducible random sample of linked mentions with context for checking by eye.

    python3 scripts/corpus_report.py [--articles 5000] [--sample 100] [--seed 7] [--bin target/release/entnorm]
        [--langs ar,he] [--status accepted|review|any] [--words one|several|any] [--types LOC,GPE] [--tsv OUT.tsv]

`--langs` keeps only articles of those languages in the slice (still every 12th article of the corpus, so
`--articles` counts articles of those languages); `--status`, `--words` (words of the surface, split on
whitespace) and `--types` (entity types) restrict the sampled mentions, not the per-language table. The sample is drawn from the filtered
mentions in output order with `random.Random(seed)`, so the same options and the same output give the same
sample. `--tsv` writes every filtered mention with its context (doc_id, start, end, ...) for comparing runs.

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
    ap.add_argument("--langs", default="", help="comma-separated languages of the articles to slice (default: all)")
    ap.add_argument("--status", default="any", choices=["accepted", "review", "any"])
    ap.add_argument("--words", default="any", choices=["one", "several", "any"])
    ap.add_argument("--types", default="", help="comma-separated entity types to sample (default: all)")
    ap.add_argument("--tsv", help="write every filtered mention with context to this TSV file")
    args = ap.parse_args()
    corpus = Path(args.shared) / "data/corpus/news-multilingual.jsonl.zst"
    if not corpus.exists():
        print(f"SKIPPED: {corpus} is absent", file=sys.stderr)
        return 0
    langs = {x for x in args.langs.split(",") if x}
    work = Path(tempfile.mkdtemp(prefix="entnorm-corpus-report-"))
    slice_path = work / "slice.jsonl"
    # every 12th article, so that the slice mixes languages in corpus proportions
    dec = subprocess.Popen(["zstd", "-dc", str(corpus)], stdout=subprocess.PIPE, text=True, encoding="utf-8")
    docs = {}
    with open(slice_path, "w", encoding="utf-8") as out:
        for i, line in enumerate(dec.stdout):
            if i % 12 == 11:
                d = json.loads(line)
                if langs and (d.get("lang") or "und") not in langs:
                    continue
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
    def keep(m) -> bool:
        n = len(m["surface"].split())
        return ((args.status == "any" or m["status"] == args.status)
                and (not types or m["entity_type"] in types)
                and (args.words == "any" or (n == 1) == (args.words == "one")))

    def context(m) -> str:
        d = docs[m["doc_id"]]
        text = d["title"] if m["field"] == "title" else d["text"]
        s, e = int(m["start"]), int(m["end"])
        return (text[max(0, s - 40):s] + "[[" + text[s:e] + "]]" + text[e:e + 40]).replace("\n", " ").replace("\t", " ")

    types = {x for x in args.types.split(",") if x}
    chosen = [m for m in mentions if keep(m)]
    if args.tsv:
        with open(args.tsv, "w", encoding="utf-8") as out:
            out.write("doc_id\tfield\tstart\tend\tlang\tsurface\tentity_id\tentity_name\tentity_type\tmethod\tscore\tstatus\tcontext\n")
            for m in chosen:
                out.write("\t".join([m["doc_id"], m["field"], m["start"], m["end"], docs[m["doc_id"]].get("lang") or "und",
                                     m["surface"], m["entity_id"], m["entity_name"], m["entity_type"], m["method"],
                                     m["score"], m["status"], context(m)]) + "\n")
    rng = random.Random(args.seed)
    sample = rng.sample(chosen, min(args.sample, len(chosen)))
    print(f"\nSample of {len(sample)} of {len(chosen)} linked mentions (seed {args.seed}, status {args.status}, "
          f"words {args.words}): lang, context, -> entity")
    for i, m in enumerate(sample, 1):
        d = docs[m["doc_id"]]
        print(f"{i:3} {d.get('lang')}\t{context(m)}\t-> {m['entity_id']} {m['entity_name']} "
              f"({m['entity_type']}, {m['method']}, {m['score']} {m['status']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
