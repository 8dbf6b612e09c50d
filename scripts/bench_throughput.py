#!/usr/bin/env python3
"""Throughput of the whole entnorm pipeline on the shared news corpus, beside the peers of ../shared/bench.

    python3 scripts/bench_throughput.py [--peers] [--work DIR] [--threads N]

Builds `target/release/entnorm`, decompresses `../shared/data/corpus/news-multilingual.jsonl.zst` once into the
work folder (default /tmp/entnorm-throughput), splits it per language, and measures, with the bundled default
gazetteer (compiled once into the work folder's index cache, as in real use):

- gazetteer: compile time (first run) and load time of the cached index (a run on one record);
- per language and overall: MB of article text per second and articles per second, whole process wall time
  (start, load, JSON in, every match layer, CSV out), on one core and with all threads (`--threads`).
  "One core" is `--threads 1` with the process pinned to one CPU: unpinned, its reader and writer threads
  run on a second core beside the one matching thread (about 110% CPU), which is neither one thread's
  work nor comparable with the single-threaded peers;
  peak RSS (from run.json, the process's own VmHWM), CPU % (user+sys over wall) and MB per CPU-second (the
  figure least disturbed by other load on the machine);
- threads: the whole corpus on one core, with `--threads 1` unpinned and with all threads in `--rounds`
  interleaved rounds (default 3; the order within a round alternates), each round's ratios and their
  medians (single runs of a machine whose speed drifts say little);
- scale: the whole corpus 1x and 4x (four copies with distinct IDs): the time ratio should be about 4;
- `--peers`: `bash ../shared/bench/run.sh compare scripts/bench_entry.py` (the peers' own 50 MB slice and
  `large` gazetteer, entnorm on one thread pinned to one core with that gazetteer only), whose table gives the ratios to
  rs_flashtext2, flashtext_unicode and pyahocorasick, in `--peer-rounds` interleaved rounds (default 5); then
  the ratio of each round's own runs and their median (`scripts/compare_rounds.py`), which the machine's
  drift disturbs least. Runs `run.sh setup data` first when its work folder lacks the data.

Prints markdown tables and, last, a `RESULT {json}` line (the overall 1-thread figures, in the fields of
../shared/bench/README.md). Timings are of one run each on whatever machine this is; nothing is asserted.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import compare_rounds  # noqa: E402  (a sibling script)
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "data/corpus/news-multilingual.jsonl.zst"


def one_cpu():
    """Restricts the calling process (a child before its exec) to one CPU: the lowest it may run on."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_entnorm(binary, inputs, out, threads, cache, one_core=False):
    """Runs `entnorm run` (with `one_core`, pinned to one CPU); returns (wall s, cpu s, run.json counts)."""
    env = dict(os.environ, ENTNORM_CACHE_DIR=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([str(binary), "run", *map(str, inputs), "-o", str(out), "-q", "--threads", str(threads)],
                   env=env, check=True, preexec_fn=one_cpu if one_core else None)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    counts = json.loads((out / "run.json").read_text())["counts"]
    return wall, cpu, counts


def row(label, threads, wall, cpu, counts):
    mb = counts["bytes_of_text"] / 1e6
    docs = counts["processed"]
    rss = (counts.get("peak_rss_bytes") or 0) / 2**20
    return (f"| {label} | {threads} | {docs:,} | {mb:.1f} | {wall:.2f} | {mb / wall:.1f} | {docs / wall:,.0f} | "
            f"{100 * cpu / wall:.0f} | {mb / cpu:.1f} | {rss:,.0f} | {counts['mentions']:,} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/entnorm-throughput"))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="'all threads' (default: cores)")
    ap.add_argument("--peers", action="store_true", help="also run ../shared/bench's compare")
    ap.add_argument("--peer-rounds", type=int, default=5, help="interleaved rounds of the compare (REPS)")
    ap.add_argument("--min-mb", type=float, default=0.2, help="languages with less text are pooled as 'other'")
    ap.add_argument("--articles", type=int, default=0, help="use only the first N articles (a quick check)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of the whole corpus with 1 and all threads (default 3)")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"bench_throughput: {CORPUS} not found (the shared research data must be beside the repository)",
              file=sys.stderr)
        return 2
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, check=True)
    binary = ROOT / "target/release/entnorm"
    work = args.work / (f"first-{args.articles}" if args.articles else "full")
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "index-cache"
    out = work / "out"

    full = work / "full.jsonl"
    if not full.exists():
        with open(full.with_suffix(".tmp"), "wb") as f:
            subprocess.run(["zstd", "-dc", str(CORPUS)], stdout=f, check=True)
        if args.articles:
            lines = full.with_suffix(".tmp").read_text(encoding="utf-8").splitlines(keepends=True)
            full.with_suffix(".tmp").write_text("".join(lines[: args.articles]), encoding="utf-8")
        full.with_suffix(".tmp").rename(full)
    by_lang = {}
    mb = {}
    with open(full, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            lang = d.get("lang") or "und"
            by_lang.setdefault(lang, []).append(line)
            mb[lang] = mb.get(lang, 0) + len(d.get("text", "").encode()) / 1e6
    pooled = {}
    for lang, lines in by_lang.items():
        pooled.setdefault(lang if mb[lang] >= args.min_mb else "other", []).extend(lines)
    lang_files = {}
    for lang, lines in pooled.items():
        p = work / f"lang-{lang}.jsonl"
        if not p.exists():
            p.write_text("".join(lines), encoding="utf-8")
        lang_files[lang] = p
    x4 = work / "full-4x.jsonl"
    if not x4.exists():
        with open(full, encoding="utf-8") as f, open(x4.with_suffix(".tmp"), "w", encoding="utf-8") as o:
            lines = f.readlines()
            for k in range(4):
                for line in lines:
                    d = json.loads(line)
                    d["doc_id"] = f"{d['doc_id']}#{k}"
                    o.write(json.dumps(d, ensure_ascii=False) + "\n")
        x4.with_suffix(".tmp").rename(x4)
    one = work / "one.jsonl"
    one.write_text(json.dumps({"doc_id": "1", "text": "Sergey Lavrov met John Kerry in Geneva."}) + "\n")

    # Gazetteer: the first run compiles the default gazetteer into the cache, the next ones map it.
    before = set(cache.glob("*.idx")) if cache.exists() else set()
    compile_wall, _, _ = run_entnorm(binary, [one], out, 1, cache)
    # A new index (none cached, or one of another format or gazetteer) was compiled by that run.
    fresh = set(cache.glob("*.idx")) != before
    if fresh:
        # A cached index is trusted by its file stamp once it has been unmodified for 2 s; until then, and
        # once after, a run reads its checksum over the whole file. The figure is of the runs after that.
        time.sleep(2.1)
        run_entnorm(binary, [one], out, 1, cache)
    load_wall, _, load_counts = run_entnorm(binary, [one], out, 1, cache)
    print("## Gazetteer (bundled default)\n")
    print("| step | wall s | peak RSS MB |\n|---|---:|---:|")
    if fresh:
        print(f"| compile into the index cache + run on one record | {compile_wall:.2f} | |")
    print(f"| load cached index + run on one record | {load_wall:.2f} | "
          f"{(load_counts.get('peak_rss_bytes') or 0) / 2**20:,.0f} |")

    print("\n## Whole pipeline per language (one run each)\n")
    print("| input | threads | articles | MB text | wall s | MB/s | articles/s | CPU % | MB per CPU-s | peak RSS MB | mentions |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = sorted(lang_files, key=lambda l: (l == "other", -sum(mb.get(x, 0) for x in [l])))
    overall = {}
    for lang in order + ["all"]:
        inputs = [full] if lang == "all" else [lang_files[lang]]
        for threads in sorted({1, args.threads}):
            wall, cpu, counts = run_entnorm(binary, inputs, out, threads, cache, one_core=threads == 1)
            label = "1 (one core)" if threads == 1 else threads
            print(row("**whole corpus**" if lang == "all" else lang, label, wall, cpu, counts))
            if lang == "all":
                overall[threads] = (wall, cpu, counts)
    ratios, ratios_unpinned = [], []
    if args.threads > 1:
        speedup = overall[1][0] / overall[args.threads][0]
        print(f"\n{args.threads} threads vs one core on the whole corpus: {speedup:.2f}x (the runs above)")
        print(f"\nInterleaved rounds: one core (`--threads 1` pinned to one CPU), `--threads 1` unpinned "
              f"(its reader and writer on another core), {args.threads} threads:\n")
        for r in range(args.rounds):
            # The order alternates from round to round, so that a drift of the machine's speed within a
            # round favours neither side.
            runs = {}
            order = ["core", "one", "all"] if r % 2 == 0 else ["all", "one", "core"]
            for kind in order:
                threads = args.threads if kind == "all" else 1
                runs[kind] = run_entnorm(binary, [full], out, threads, cache, one_core=kind == "core")[0]
            w_core, w_one, w_all = runs["core"], runs["one"], runs["all"]
            ratios.append(w_core / w_all)
            ratios_unpinned.append(w_one / w_all)
            print(f"- round {r + 1}: one core {w_core:.2f} s, --threads 1 {w_one:.2f} s, {args.threads} threads "
                  f"{w_all:.2f} s: {w_core / w_all:.2f}x one core, {w_one / w_all:.2f}x --threads 1")
        if ratios:
            print(f"\nmedian of {len(ratios)} interleaved rounds: {args.threads} threads "
                  f"{statistics.median(ratios):.2f}x one core, {statistics.median(ratios_unpinned):.2f}x "
                  f"`--threads 1` unpinned")

    print("\n## Scale: the corpus 1x and 4x (all threads)\n")
    print("| input | threads | articles | MB text | wall s | MB/s | articles/s | CPU % | MB per CPU-s | peak RSS MB | mentions |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    w1, c1, k1 = overall[args.threads]
    print(row("corpus 1x", args.threads, w1, c1, k1))
    w4, c4, k4 = run_entnorm(binary, [x4], out, args.threads, cache)
    print(row("corpus 4x", args.threads, w4, c4, k4))
    print(f"\n4x input took {w4 / w1:.2f}x the time; peak RSS {(k4.get('peak_rss_bytes') or 0) / 2**20:,.0f} MB "
          f"vs {(k1.get('peak_rss_bytes') or 0) / 2**20:,.0f} MB")

    peer_ratios = {}
    if args.peers:
        bench = SHARED / "bench/run.sh"
        bench_work = Path(os.environ.get("BENCH_WORK", "/tmp/entnorm-bench"))
        if not (bench_work / "gaz/large.tsv").exists() or not (bench_work / "corpora/slice50.jsonl").exists():
            subprocess.run(["bash", str(bench), "setup", "data"], cwd=ROOT, check=True)
        print("\n## Beside the peers (../shared/bench/run.sh compare scripts/bench_entry.py)\n", flush=True)
        subprocess.run(["bash", str(bench), "compare", "scripts/bench_entry.py"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ, REPS=str(args.peer_rounds)))
        print((bench_work / "results/compare.md").read_text())
        lines, peer_ratios = compare_rounds.report(bench_work / "results/compare.jsonl")
        print("Round by round (each ratio of one round's runs, seconds to a minute apart):\n")
        print("\n".join(lines) + "\n")

    wall, cpu, counts = overall[1]
    text_mb = counts["bytes_of_text"] / 1e6
    print("RESULT " + json.dumps({
        "peer": "entnorm (whole pipeline, 1 thread on one core, default gazetteer)", "gazetteer": "gazetteers/default",
        "corpus": CORPUS.name, "gaz_load_total_s": load_wall, "scan_s": wall, "n_docs": counts["processed"],
        "text_bytes": counts["bytes_of_text"], "text_mb": text_mb, "n_matches": counts["mentions"],
        "mb_per_s": text_mb / wall, "docs_per_s": counts["processed"] / wall,
        "threads_all": args.threads, "mb_per_s_all_threads": text_mb / overall[args.threads][0],
        "threads_ratio_median": statistics.median(ratios) if ratios else None,
        "threads_ratio_median_unpinned": statistics.median(ratios_unpinned) if ratios_unpinned else None,
        "scale_4x_time_ratio": w4 / w1, "peak_rss_mb": (counts.get("peak_rss_bytes") or 0) / 2**20,
        "peer_ratio_round_medians": peer_ratios or None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
