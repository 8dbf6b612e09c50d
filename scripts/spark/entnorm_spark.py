#!/usr/bin/env python3
"""Run entnorm on Apache Spark: every partition of a JSON Lines corpus is piped through the `entnorm`
binary in filter mode on an executor, and the per-partition aggregates are merged into the entities.csv
that one `entnorm run` over the whole corpus would write.

    spark-submit scripts/spark/entnorm_spark.py --input 'hdfs:///corpus/*.jsonl' --output OUT \\
        --binary target/release/entnorm --index default.idx [--partitions N] [--mentions-format parquet]

(or `python scripts/spark/entnorm_spark.py --master 'local[2]' ...` with pyspark installed). OUT receives:

    mentions/       the mention table (or at --mentions-output): part files of CSV with a header
                    (RFC 4180, `"` doubled inside quotes) or Parquet; the columns of mentions.csv
    rejects.csv     records entnorm rejected: partition, record, line, doc_id, reason (record and line
                    count within the partition as piped)
    partials/       one partial aggregate per partition, as written by `entnorm run --partial`
    entities.csv    `entnorm merge partials/`: byte-identical to a single run's entities.csv
    unmatched.csv   the same for unmatched.csv (clusters form across all partitions)
    merge.json      the merged record counts
    spark-run.json  counts, timings and throughput; written last, so its presence means success

The binary and the compiled index (`entnorm gazetteer build -o default.idx`) are shipped to the executors
with SparkContext.addFile, the programmatic form of spark-submit's --files (names already given with
--files are not added twice), and found there with SparkFiles.get, which gives an absolute path.

Why not `rdd.pipe(command, checkCode=True)`: that is what this does, with three gaps closed. rdd.pipe's
command string is fixed on the driver, where SparkFiles paths are not the executors' paths; it starts the
process with an empty environment (no PATH); and with checkCode=True a failed worker surfaces only as "exited
with error code 1", without the worker's message. `pipe_partition` below resolves the binary on the
executor, passes an argument list (no shell), always checks the exit status (and entnorm's `error` row),
checks that entnorm counted every record it was sent, and raises with the worker's own message, which
Spark then reports as the job's failure.
"""

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import threading
import time

MENTION_COLUMNS = [
    "doc_id", "field", "start", "end", "surface", "entity_id", "entity_name", "entity_type", "method",
    "score", "alias", "alias_lang", "candidates", "start_byte", "end_byte", "default_id", "status",
]
INTEGER_COLUMNS = {"start", "end", "candidates", "start_byte", "end_byte"}
FAILURE_MARK = "entnorm worker failed"


def unescape(field):
    """Reverses entnorm's TSV escaping (\\\\, \\t, \\n, \\r)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(field[i + 1], "\\" + field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_blank(line):
    # entnorm skips lines of ASCII whitespace only (Rust's is_ascii_whitespace: no vertical tab).
    return not line.strip(" \t\n\x0c\r")


class PartitionSideRows:
    """Accumulator of the small per-partition results (partial aggregate lines, rejects, counts), keyed by
    partition: a task that runs again (retry, speculation) replaces its partition's entry with the same
    content, so an accumulator updated in a transformation is still exact."""

    def zero(self, value):
        return {}

    def addInPlace(self, a, b):  # noqa: N802 - PySpark's AccumulatorParam interface
        a.update(b)
        return a


def pipe_partition(partition, lines, binary_name, index_name, threads, extra_args, side):
    """Pipes one partition's JSON lines through `entnorm run - -o - --format tsv --partial -` and yields the
    field lists of its mention rows; the partial aggregate, the rejects and the counts go to the `side`
    accumulator when the worker has succeeded. Raises with the worker's message if it fails."""
    from pyspark import SparkFiles

    binary = SparkFiles.get(binary_name)  # absolute: the executor's own copy
    index = SparkFiles.get(index_name)
    argv = [binary, "run", "-", "-o", "-", "--format", "tsv", "--partial", "-",
            "--index", index, "--threads", str(threads), "-q", *extra_args]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise RuntimeError(f"{FAILURE_MARK} on partition {partition}: cannot start {binary}: {e}") from None

    sent = {"records": 0, "bytes": 0, "error": None}

    def feed():
        try:
            for line in lines:
                if is_blank(line):
                    continue
                data = line.encode("utf-8") + b"\n"
                proc.stdin.write(data)
                sent["records"] += 1
                sent["bytes"] += len(data)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the worker stopped reading: its exit status and message tell why
        except BaseException as e:  # noqa: BLE001 - reported below, on the consuming thread
            sent["error"] = e
            try:
                proc.stdin.close()
            except OSError:
                pass

    stderr_tail = collections.deque(maxlen=40)

    def drain_stderr():
        for raw in proc.stderr:
            stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\n"))

    feeder = threading.Thread(target=feed, daemon=True)
    drainer = threading.Thread(target=drain_stderr, daemon=True)
    feeder.start()
    drainer.start()

    error_row = None
    counted = None
    mentions = 0
    partial, rejects = [], []
    for raw in proc.stdout:
        line = raw.decode("utf-8").rstrip("\n")
        kind, _, rest = line.partition("\t")
        if kind == "mention":
            mentions += 1
            fields = [unescape(f) for f in rest.split("\t")]
            if len(fields) != len(MENTION_COLUMNS):
                raise RuntimeError(f"{FAILURE_MARK} on partition {partition}: a mention row of {len(fields)} "
                                   f"fields, expected {len(MENTION_COLUMNS)} (another entnorm version?)")
            yield fields
        elif kind == "reject":
            rejects.append([partition, *[unescape(f) for f in rest.split("\t")][1:]])
        elif kind == "partial":
            if rest.startswith("counts\t"):
                counted = int(rest.split("\t")[1])
            partial.append(rest)
        elif kind == "error":
            error_row = unescape(rest)
        else:
            raise RuntimeError(f"{FAILURE_MARK} on partition {partition}: unexpected output row {line[:200]!r}")
    status = proc.wait()
    feeder.join()
    drainer.join()

    def fail(message):
        raise RuntimeError(f"{FAILURE_MARK} on partition {partition} (exit status {status}): {message}")

    if status != 0 or error_row is not None:
        fail(error_row or " | ".join(stderr_tail) or "no message")
    if sent["error"] is not None:
        fail(f"feeding input failed: {sent['error']!r}")
    if counted != sent["records"]:
        fail(f"sent {sent['records']} records, entnorm counted {counted}")
    side.add({partition: {"partial": partial, "rejects": rejects,
                          "counts": [sent["records"], sent["bytes"], mentions]}})


def worker_failure(exc):
    """The worker's message from a failed Spark job, or None."""
    match = re.search(FAILURE_MARK + r"[^\n]*", str(exc))
    return match.group(0) if match else None


def ship(sc, path, what):
    """Ships `path` to the executors unless spark-submit --files already did; returns its file name."""
    name = os.path.basename(path)
    shipped = {os.path.basename(f) for f in sc.getConf().get("spark.files", "").split(",") if f}
    if name in shipped:
        return name
    if not os.path.isfile(path):
        sys.exit(f"entnorm-spark: error: {what} {path} does not exist (give a local path, or ship it with --files)")
    sc.addFile(os.path.abspath(path))
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="JSON Lines (plain, .gz or .bz2; not .zst): a path, directory or glob")
    ap.add_argument("--output", required=True, help="local output directory on the driver (must not exist)")
    ap.add_argument("--mentions-output", metavar="URI",
                    help="where the executors write the mention table (hdfs://, s3a://, ...); default "
                         "OUTPUT/mentions, allowed on a local master only")
    ap.add_argument("--binary", required=True, help="the entnorm binary for the executors' platform")
    ap.add_argument("--index", required=True, help="compiled gazetteer index (entnorm gazetteer build -o)")
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: as spark-submit says)")
    ap.add_argument("--partitions", type=int, help="repartition the input into N partitions")
    ap.add_argument("--worker-threads", type=int, default=1, help="entnorm threads per task (default 1)")
    ap.add_argument("--mentions-format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--entnorm-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for `entnorm run` (repeat: --entnorm-arg=--lang --entnorm-arg=en)")
    args = ap.parse_args()

    out = args.output
    if os.path.exists(out):
        sys.exit(f"entnorm-spark: error: {out} exists; give a new output directory")
    if args.master and args.master.startswith("local"):
        # Local Python workers use this interpreter (the one with pyspark), not whatever python3 is on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from pyspark.sql import SparkSession
    from pyspark.sql.functions import col
    from pyspark.sql.types import StringType, StructField, StructType

    builder = SparkSession.builder.appName("entnorm").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("ERROR")
    started = time.time()
    mentions_uri = args.mentions_output
    if mentions_uri is None:
        if not sc.master.startswith("local"):
            spark.stop()
            sys.exit("entnorm-spark: error: give --mentions-output, a location every executor can write "
                     "(hdfs://..., s3a://...): OUTPUT is a directory on the driver")
        mentions_uri = "file://" + os.path.abspath(os.path.join(out, "mentions"))

    binary_name = ship(sc, args.binary, "binary")
    index_name = ship(sc, args.index, "index")
    # lineSep "\n": entnorm splits JSON Lines on LF only; Spark's default also splits on a lone CR.
    lines = spark.read.option("lineSep", "\n").text(args.input).rdd.map(lambda r: r.value)
    if args.partitions:
        lines = lines.repartition(args.partitions)
    elif lines.getNumPartitions() < sc.defaultParallelism:
        lines = lines.repartition(sc.defaultParallelism)
    partitions = lines.getNumPartitions()
    threads, extra = args.worker_threads, list(args.entnorm_arg)
    side = sc.accumulator({}, PartitionSideRows())
    rows = lines.mapPartitionsWithIndex(
        lambda i, it: pipe_partition(i, it, binary_name, index_name, threads, extra, side)
    )

    failure = None
    try:
        # One pass: every worker runs in parallel while the mention table is written; the small rows of
        # each partition come back with its task's result, through the accumulator.
        schema = StructType([StructField(c, StringType(), False) for c in MENTION_COLUMNS])
        # Rows are checked for their width in pipe_partition; all fields are strings.
        mentions = spark.createDataFrame(rows, schema, verifySchema=False)
        target = mentions_uri
        if args.mentions_format == "csv":
            # All columns stay strings, so numbers keep entnorm's formatting (score 1.00). Spark's CSV
            # escapes quotes with a backslash unless told `escape='"'`, and trims whitespace unless told not to.
            (mentions.write.option("header", True).option("quote", '"').option("escape", '"')
             .option("ignoreLeadingWhiteSpace", False).option("ignoreTrailingWhiteSpace", False)
             .csv(target))
        else:
            typed = mentions.select(*[
                col(c).cast("long" if c in INTEGER_COLUMNS else "double" if c == "score" else "string").alias(c)
                for c in MENTION_COLUMNS
            ])
            typed.write.parquet(target)

        results = side.value
        if sorted(results) != list(range(partitions)):
            raise RuntimeError(f"results of {len(results)} partitions for {partitions} partitions")
        os.makedirs(os.path.join(out, "partials"))
        rejects, records, input_bytes, mention_count = [], 0, 0, 0
        for partition, result in sorted(results.items()):
            name = os.path.join(out, "partials", f"part-{partition:05d}.tsv")
            with open(name, "w", encoding="utf-8", newline="\n") as f:
                f.writelines(line + "\n" for line in result["partial"])
            rejects.extend(result["rejects"])
            records += result["counts"][0]
            input_bytes += result["counts"][1]
            mention_count += result["counts"][2]
        with open(os.path.join(out, "rejects.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["partition", "record", "line", "doc_id", "reason"])
            w.writerows(sorted(rejects, key=lambda r: (r[0], int(r[1]))))
    except Exception as e:  # noqa: BLE001 - Spark wraps worker failures in Py4J errors
        failure = worker_failure(e)
        if not failure:
            raise
    if failure:
        spark.stop()
        sys.exit(f"entnorm-spark: error: {failure}")
    master = sc.master
    piped = time.time()

    # The reduce step: `entnorm merge` on the driver, with the driver's copy of the binary.
    from pyspark import SparkFiles
    driver_binary = SparkFiles.get(binary_name)
    if not os.access(driver_binary, os.X_OK):
        driver_binary = os.path.abspath(args.binary)
    merge_argv = [driver_binary, "merge", os.path.join(out, "partials"), "-o", out, "-q"]
    if "--spreadsheet-safe" in args.entnorm_arg:
        merge_argv.append("--spreadsheet-safe")  # entities.csv as `entnorm run --spreadsheet-safe` writes it
    merge = subprocess.run(merge_argv, capture_output=True, text=True)
    spark.stop()
    if merge.returncode != 0:
        sys.exit(f"entnorm-spark: error: entnorm merge failed: {merge.stderr.strip()}")
    with open(os.path.join(out, "merge.json"), encoding="utf-8") as f:
        counts = json.load(f)["counts"]
    if counts["records"] != records or counts["mentions"] != mention_count:
        sys.exit(f"entnorm-spark: error: accounting: {records} records piped, {counts['records']} merged; "
                 f"{mention_count} mention rows, {counts['mentions']} counted")
    elapsed = time.time() - started
    report = {
        "tool": "entnorm-spark",
        "input": args.input,
        "mentions": mentions_uri,
        "partitions": partitions,
        "master": master,
        "counts": counts,
        "mention_rows": mention_count,
        "input_bytes": input_bytes,
        "seconds": {"pipe_and_write": round(piped - started, 3), "total": round(elapsed, 3)},
        "throughput": {
            "input_mb_per_s": round(input_bytes / 1e6 / elapsed, 2),
            "articles_per_s": round(counts["records"] / elapsed, 1),
        },
        "finished": True,
    }
    with open(os.path.join(out, "spark-run.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"entnorm-spark: {counts['records']} records ({counts['processed']} processed, {counts['rejected']} "
          f"rejected) in {partitions} partitions, {mention_count} mentions, {input_bytes / 1e6:.1f} MB in "
          f"{elapsed:.1f} s ({input_bytes / 1e6 / elapsed:.2f} MB/s, {counts['records'] / elapsed:.0f} "
          f"articles/s) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
