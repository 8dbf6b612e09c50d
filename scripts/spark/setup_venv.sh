#!/usr/bin/env bash
# Creates (or reuses) a Python virtual environment with PySpark for the Spark job, its demo and its test:
#   bash scripts/spark/setup_venv.sh [VENV]        (default: target/spark/venv)
# Idempotent: a complete environment (marker file of the pinned version) is reused as it is. Needs python3
# with venv and pip, access to PyPI, and Java 17 or 21 for Spark itself (checked here, not installed).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYSPARK_VERSION=4.0.1
venv=${1:-target/spark/venv}
marker="$venv/.entnorm-pyspark-$PYSPARK_VERSION"

if ! java -version >/dev/null 2>&1; then
  echo "setup_venv.sh: Java is missing: Spark needs Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless)" >&2
  exit 2
fi
if [ -f "$marker" ] && "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
"$venv/bin/python" -c 'import pyspark' 
touch "$marker"
echo "setup_venv.sh: PySpark $PYSPARK_VERSION installed in $venv" >&2
