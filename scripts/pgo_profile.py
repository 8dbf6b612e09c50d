#!/usr/bin/env python3
"""Writes `pgo/entnorm.profdata`, the execution profile that release builds are optimized with
(profile-guided optimization: `scripts/rustc-pgo`, set as cargo's rustc wrapper in `.cargo/config.toml`,
adds it to every `-C opt-level=3` compilation).

    python3 scripts/pgo_profile.py [--work DIR] [--records-every N]

1. Builds an instrumented entnorm (`-Cprofile-generate`, the wrapper switched off with ENTNORM_PGO=off)
   into target/pgo-instrumented.
2. Runs it, one thread, on a training sample of the shared corpus (`../shared/data/corpus/`): every Nth
   record (default 4th), leaving out the records of the peer benchmark's 50 MB slice when
   `${BENCH_WORK:-/tmp/entnorm-bench}/corpora/slice50.jsonl` exists, so that the profile is not made on
   the text the speed figures are measured on. The runs: the bundled default gazetteer (its index compiled
   afresh, so that compiling is in the profile too), then the peers' `large` gazetteer as the only one
   (through scripts/bench_entry.py) where ../shared/bench's data is there, then the README's sample
   article.
3. Merges the raw profiles (`llvm-profdata merge --sparse`, from rustup's llvm-tools component, which it
   installs if missing) into pgo/entnorm.profdata and records the LLVM major version in pgo/llvm-major:
   the wrapper uses the profile only with a rustc of that LLVM.

Then `cargo build --release` rebuilds with the new profile (the script runs `cargo clean --release -p`
for the workspace's crates, as cargo does not see the profile change). A profile made before a code
change still applies to every function the change left alone; functions changed since are optimized
as without a profile.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "data/corpus/news-multilingual.jsonl.zst"
EXAMPLE = SHARED / "data/examples/syria-2016-article.txt"
# The peer benchmark's work folder (../shared/bench/run.sh): its 50 MB slice and its `large` gazetteer.
BENCH_WORK = Path(os.environ.get("BENCH_WORK", "/tmp/entnorm-bench"))
WORKSPACE_CRATES = ["entnorm", "entnorm-tokenize", "entnorm-gazetteer", "entnorm-reconcile", "entnorm-pipeline"]


def llvm_profdata() -> str:
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True,
                             check=True).stdout.strip()
    found = glob.glob(f"{sysroot}/lib/rustlib/*/bin/llvm-profdata")
    if not found:
        print("pgo_profile: installing rustup's llvm-tools component (for llvm-profdata)", file=sys.stderr)
        subprocess.run(["rustup", "component", "add", "llvm-tools"], check=True)
        found = glob.glob(f"{sysroot}/lib/rustlib/*/bin/llvm-profdata")
    if not found:
        sys.exit("pgo_profile: no llvm-profdata under the rustc sysroot")
    return found[0]


def llvm_major() -> str:
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("LLVM version:"):
            return line.split(":", 1)[1].strip().split(".")[0]
    sys.exit("pgo_profile: rustc -vV names no LLVM version")


def training_sample(work: Path, every: int) -> Path:
    """Every `every`th record of the corpus, without the peer benchmark's slice where it is known."""
    if not CORPUS.exists():
        sys.exit(f"pgo_profile: the shared corpus is not at {CORPUS}")
    slice50 = BENCH_WORK / "corpora/slice50.jsonl"
    excluded = set()
    if slice50.exists():
        with open(slice50, encoding="utf-8") as f:
            excluded = {json.loads(line).get("doc_id") for line in f}
    else:
        print(f"pgo_profile: {slice50} is absent: the benchmark slice is not left out", file=sys.stderr)
    sample = work / "training.jsonl"
    kept = skipped = 0
    with subprocess.Popen(["zstd", "-dc", str(CORPUS)], stdout=subprocess.PIPE) as zstd, \
            open(sample, "wb") as out:
        for n, line in enumerate(zstd.stdout):
            # Only the sampled records are parsed.
            if n % every != 0:
                continue
            if json.loads(line).get("doc_id") in excluded:
                skipped += 1
                continue
            out.write(line)
            kept += 1
    if zstd.returncode:
        sys.exit("pgo_profile: zstd failed on the corpus")
    print(f"pgo_profile: training sample {kept} records, {sample.stat().st_size / 1e6:.1f} MB "
          f"({skipped} sampled records of the benchmark slice left out)", file=sys.stderr)
    return sample


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temporary one)")
    ap.add_argument("--records-every", type=int, default=4)
    args = ap.parse_args()
    profdata = llvm_profdata()
    work = Path(args.work or tempfile.mkdtemp(prefix="entnorm-pgo-"))
    raw = work / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    target = ROOT / "target/pgo-instrumented"
    env = dict(os.environ, ENTNORM_PGO="off", CARGO_TARGET_DIR=str(target),
               RUSTFLAGS=f"-Cprofile-generate={raw}")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q"], cwd=ROOT, env=env, check=True)
    binary = target / "release/entnorm"
    sample = training_sample(work, args.records_every)
    run_env = dict(os.environ, ENTNORM_CACHE_DIR=str(work / "index"))
    runs = [[str(binary), "run", str(sample), "-o", str(work / "out-default"), "--threads", "1"]]
    large = BENCH_WORK / "gaz/large.tsv"
    if large.exists():
        runs.append([sys.executable, str(ROOT / "scripts/bench_entry.py"), str(large), str(sample),
                     str(work / "large.tsv")])
        run_env.update(ENTNORM_BIN=str(binary), ENTNORM_BENCH_CACHE=str(work / "bench-entry"))
    else:
        print(f"pgo_profile: {large} is absent (run `bash ../shared/bench/run.sh setup data`): "
              "the profile has the default gazetteer only", file=sys.stderr)
    if EXAMPLE.exists():
        runs.append([str(binary), "run", str(EXAMPLE), "-o", str(work / "out-example")])
    for cmd in runs:
        print("pgo_profile: " + " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, env=run_env, check=True)
    profile = ROOT / "pgo/entnorm.profdata"
    profile.parent.mkdir(exist_ok=True)
    subprocess.run([profdata, "merge", "--sparse", "-o", str(profile), *map(str, raw.glob("*.profraw"))],
                   check=True)
    (ROOT / "pgo/llvm-major").write_text(llvm_major() + "\n")
    # cargo does not track the profile: rebuild the workspace's crates with the new one.
    subprocess.run(["cargo", "clean", "--release", "-q", *sum((["-p", c] for c in WORKSPACE_CRATES), [])],
                   cwd=ROOT, check=True)
    print(f"pgo_profile: wrote {profile} ({profile.stat().st_size / 1e6:.1f} MB) and pgo/llvm-major; "
          f"scratch in {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
