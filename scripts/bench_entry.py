#!/usr/bin/env python3
"""Entry point for the peer benchmark of ../shared/bench (`bash ../shared/bench/run.sh compare
scripts/bench_entry.py`): follows its contract (see ../shared/bench/README.md, "Common formats").

    bench_entry.py GAZ.tsv CORPUS.jsonl OUT.tsv [--threads N]

- GAZ.tsv (`entity_id<TAB>alias`, no header, first row wins) is converted once into an entnorm gazetteer
  (prior falling with the row number, so the first row wins a shared alias) under $ENTNORM_BENCH_CACHE
  (default /tmp/entnorm-bench-entry); entnorm compiles it into its index cache on the first run and maps it
  on later ones, as in real use.
- The whole entnorm pipeline runs with only that gazetteer (`--no-default-gazetteer`), one thread unless
  `--threads N`: JSON in, every match layer on, CSV out. One thread runs pinned to one CPU, as the
  single-threaded peers run: unpinned, entnorm's reader and writer threads would use a second core beside
  its one matching thread (about 110% CPU). Its mentions are converted to the common output
  format `doc_id, char_start, char_end, entity_id` (text field only).
- `scan_s` in the RESULT line is the wall-clock time of the entnorm process from start to exit, as the
  issue's target defines the whole pipeline: opening the cached index, reading and parsing JSON, matching,
  resolution, writing the tables. That is more than the peers' scan-only figure, so the MB/s ratio is
  conservative. `gaz_load_total_s` is the time entnorm reports for opening (or first compiling) the
  index, `entnorm_elapsed_s` its own time for the run after that.
"""
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_cpu():
    """Restricts the calling process (a child before its exec) to one CPU: the lowest it may run on."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> int:
    t_start = time.perf_counter()
    gaz, corpus, out = sys.argv[1:4]
    extra = sys.argv[4:]
    threads = "1"
    if "--threads" in extra:
        threads = extra[extra.index("--threads") + 1]
    binary = os.environ.get("ENTNORM_BIN", str(ROOT / "target/release/entnorm"))
    cache = Path(os.environ.get("ENTNORM_BENCH_CACHE", "/tmp/entnorm-bench-entry"))
    cache.mkdir(parents=True, exist_ok=True)
    st = os.stat(gaz)
    key = hashlib.sha1(f"{os.path.abspath(gaz)}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]
    converted = cache / f"gaz-{key}.tsv"
    n_rows = 0
    if not converted.exists():
        tmp = converted.with_suffix(".tmp")
        with open(gaz, encoding="utf-8") as f, open(tmp, "w", encoding="utf-8") as o:
            rows = [line.rstrip("\n").split("\t", 1) for line in f if "\t" in line]
            o.write("entity_id\tname\ttype\tlang\tprior\n")
            for i, (eid, alias) in enumerate(rows):
                alias = alias.replace("\t", " ").strip()
                if eid and alias:
                    o.write(f"{eid}\t{alias}\tMISC\tund\t{len(rows) - i}\n")
        tmp.rename(converted)
    with open(converted, encoding="utf-8") as f:
        n_rows = sum(1 for _ in f) - 1
    outdir = cache / f"run-{os.getpid()}"
    env = dict(os.environ, ENTNORM_CACHE_DIR=str(cache / "index"))
    t0 = time.perf_counter()
    proc = subprocess.run([binary, "run", corpus, "-o", str(outdir), "--no-default-gazetteer", "-g",
                           str(converted), "--threads", threads], env=env, stderr=subprocess.PIPE, text=True,
                          preexec_fn=one_cpu if threads == "1" else None)
    run_wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    load_s = 0.0
    for line in proc.stderr.splitlines():
        if line.startswith("entnorm: gazetteer:") and " in " in line:
            load_s = float(line.rsplit(" in ", 1)[1].split()[0])
    manifest = json.load(open(outdir / "run.json", encoding="utf-8"))
    counts = manifest["counts"]
    t0 = time.perf_counter()
    # csv.reader with column positions: DictReader made a dict per row and took longer than the run.
    with open(outdir / "mentions.csv", encoding="utf-8", newline="") as f, open(out, "w", encoding="utf-8") as o:
        rows = csv.reader(f)
        header = next(rows)
        doc, field, start, end, eid = (header.index(c) for c in ("doc_id", "field", "start", "end", "entity_id"))
        n_matches = 0
        for m in rows:
            if m[field] == "text":
                o.write(f"{m[doc]}\t{m[start]}\t{m[end]}\t{m[eid]}\n")
                n_matches += 1
    write_s = time.perf_counter() - t0
    for p in outdir.iterdir():
        p.unlink()
    outdir.rmdir()
    scan_s = run_wall
    mb = counts["bytes_of_text"] / 1e6
    print("RESULT " + json.dumps({
        "peer": "entnorm (whole pipeline, 1 thread on one core)" if threads == "1"
        else f"entnorm (whole pipeline, {threads} threads)",
        "gazetteer": os.path.basename(gaz), "corpus": os.path.basename(corpus),
        "n_alias_rows": n_rows, "gaz_read_s": load_s, "gaz_build_s": 0.0, "gaz_load_total_s": load_s,
        "json_parse_s": None, "scan_s": scan_s, "write_s": write_s, "n_docs": counts["records"],
        "text_bytes": counts["bytes_of_text"], "text_mb": mb, "n_matches": n_matches,
        "mb_per_s": mb / scan_s if scan_s else None, "docs_per_s": counts["records"] / scan_s if scan_s else None,
        "entnorm_run_wall_s": run_wall, "entnorm_elapsed_s": counts["elapsed_seconds"],
        "total_s": time.perf_counter() - t_start}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
