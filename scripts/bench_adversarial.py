#!/usr/bin/env python3
"""Adversarial linear-time benchmark: `entnorm run` over hostile inputs of growing size.

For every case below it writes one input of 1x, 2x, 4x and 8x a base size (default 1 MB) into a temporary
directory, runs `entnorm run` on it with a generated gazetteer, and prints the processing time per MB
(`elapsed_seconds` of run.json: reading, matching and writing, without loading the gazetteer) and the peak
RSS of the process. If every stage is linear, seconds per MB stay flat as the size grows; a quadratic
stage doubles them with every step. The last column is the 8x time per MB over the 1x time per MB.

    cargo build --release
    python3 scripts/bench_adversarial.py [--base-mb 1] [--binary target/release/entnorm] [--case NAME]
                                         [--extra=--fuzzy]

Cases: one document each (a quadratic stage hides inside one document), except `many_docs`.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1_000_000

# A gazetteer built to be hard: 3,000 persons sharing one name (thousands of candidates for one alias),
# a chain of aliases `w w`, `w w w`, ... 64 tokens long (every start position has dozens of overlapping
# candidate ends), and 2,000 persons with distinct full names (every token of the text a name).
PERSONS = 2000
SHARED = 3000
CHAIN = 64


def gazetteer(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("entity_id\tname\ttype\tlang\tkind\tprior\n")
        f.write("adv:kerry\tJohn Kerry\tPER\ten\tcanonical\t10\n")
        f.write("adv:kerry-county\tKerry\tLOC\ten\tcanonical\t1\n")
        for i in range(SHARED):
            f.write(f"adv:shared{i}\tIvan Petrov\tPER\ten\tcanonical\t{i % 7}\n")
        for k in range(2, CHAIN + 1):
            f.write(f"adv:chain{k}\t{' '.join(['w'] * k)}\tORG\ten\tcanonical\t1\n")
        for i in range(PERSONS):
            f.write(f"adv:p{i}\t{given(i)} {surname(i)}\tPER\ten\tcanonical\t1\n")


def letters(i, alphabet="abcdefghijklmnopqrstuvwxyz"):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, len(alphabet))
        s = alphabet[r] + s
    return s


def given(i):
    return "Gi" + letters(i)


def surname(i):
    return "Su" + letters(i * 7919 % PERSONS)


def fill(unit_fn, size):
    """Concatenates unit_fn(i) for i = 0, 1, ... until the UTF-8 size reaches `size` bytes."""
    parts, n, i = [], 0, 0
    while n < size:
        u = unit_fn(i)
        parts.append(u)
        n += len(u.encode("utf-8"))
        i += 1
    return "".join(parts)


CASES = {
    # The same token over and over: a name whose every occurrence matches.
    "repeated_token": lambda size: fill(lambda i: "Kerry ", size),
    # Every token is part of a person's full name, all different, each followed by the bare surname:
    # document-level resolution sees thousands of full names and thousands of short forms.
    "every_token_a_name": lambda size: fill(
        lambda i: f"{given(i % PERSONS)} {surname(i % PERSONS)} {surname((i * 31) % PERSONS)} ", size
    ),
    # Thousands of entities share one alias; a chain of overlapping aliases up to 64 tokens deep.
    "overlapping_candidates": lambda size: fill(
        lambda i: "Ivan Petrov " if i % 3 == 0 else "w w w w w w w w w w w w w w w w w w w w ", size
    ),
    # One word of millions of characters: Latin letters; a base letter with a flood of combining marks;
    # zero-width joiners inside a word; letters joined by apostrophes; mixed Latin/Cyrillic look-alikes.
    "giant_word": lambda size: "K" + "e" * (size - 1),
    "combining_flood": lambda size: "e" + "\u0301" * ((size - 1) // 2),
    "zero_width_flood": lambda size: "a" + "\u200d" * ((size - 2) // 3) + "b",
    "apostrophe_word": lambda size: "a" + "'a" * ((size - 1) // 2),
    "mixed_script_word": lambda size: fill(lambda i: "Kеrrу" if i % 2 else "Kerry", size),
    # Spaceless script: one token per character.
    "cjk_run": lambda size: fill(lambda i: "叙利亚俄罗斯", size),
    # Baseline: many small ordinary documents.
    "many_docs": None,
}


def write_case(name, size, path):
    with open(path, "w", encoding="utf-8") as f:
        if name == "many_docs":
            n, i = 0, 0
            while n < size:
                text = f"John Kerry met {given(i % PERSONS)} {surname(i % PERSONS)} in Geneva; Kerry said so."
                line = json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n"
                f.write(line)
                n += len(line.encode("utf-8"))
                i += 1
        else:
            text = CASES[name](size)
            f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")


class TimedOut(Exception):
    pass


def run_once(binary, gaz, input_path, out_dir, max_record, timeout, extra=()):
    cmd = [binary, "run", input_path, "-o", out_dir, "--no-default-gazetteer", "-g", gaz, "--no-cache", "-q",
           "--threads", "1", "--max-record-bytes", str(max_record), *extra]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise TimedOut()
    wall = time.perf_counter() - started
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # max over children so far
    if proc.returncode != 0:
        sys.exit(f"entnorm failed: {' '.join(cmd)}\n{err.decode(errors='replace')}")
    with open(os.path.join(out_dir, "run.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    counts = manifest["counts"]
    if counts["rejected"]:
        sys.exit(f"{input_path}: {counts['rejected']} records rejected; see {out_dir}/rejects.csv")
    return counts["elapsed_seconds"], wall, rss_kb, counts["mentions"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/entnorm"))
    ap.add_argument("--base-mb", type=float, default=1.0)
    ap.add_argument("--sizes", default="1,2,4,8")
    ap.add_argument("--case", action="append", help="run only these cases (repeatable)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per run before giving up on a case")
    ap.add_argument("--extra", default="", help="further options for entnorm run, e.g. --extra=--fuzzy")
    args = ap.parse_args()
    factors = [int(x) for x in args.sizes.split(",")]
    cases = args.case or list(CASES)
    tmp = tempfile.mkdtemp(prefix="entnorm-adversarial-")
    try:
        gaz = os.path.join(tmp, "adversarial.tsv")
        gazetteer(gaz)
        header = "| case | " + " | ".join(f"{f}x s/MB" for f in factors) + f" | {factors[-1]}x÷{factors[0]}x | mentions at {factors[-1]}x |"
        print(header)
        print("|" + "---|" * (len(factors) + 3))
        for name in cases:
            per_mb = []
            mentions = 0
            for f in factors:
                size = int(args.base_mb * MB * f)
                path = os.path.join(tmp, f"{name}-{f}.jsonl")
                write_case(name, size, path)
                actual = os.path.getsize(path)
                out = os.path.join(tmp, f"out-{name}-{f}")
                try:
                    elapsed, _, _, mentions = run_once(args.binary, gaz, path, out, actual + 1024, args.timeout,
                                                      args.extra.split())
                    per_mb.append(elapsed / (actual / MB))
                except TimedOut:
                    per_mb.append(None)
                os.remove(path)
                shutil.rmtree(out, ignore_errors=True)
                if per_mb[-1] is None:
                    break
            per_mb += [None] * (len(factors) - len(per_mb))
            ok = per_mb[0] and per_mb[-1]
            ratio = f"{per_mb[-1] / per_mb[0]:.2f}" if ok else "-"
            cells = " | ".join(f"{x:.3f}" if x is not None else f"> {args.timeout:.0f} s" for x in per_mb)
            print(f"| {name} | {cells} | {ratio} | {mentions:,} |", flush=True)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"\npeak RSS of any run: {rss_mb:.0f} MB (base size {args.base_mb} MB, largest input "
              f"{args.base_mb * factors[-1]:.0f} MB in one record)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
