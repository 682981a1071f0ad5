#!/usr/bin/env bash
# Builds the dbt project tests/dbt/shop with the dbt pinned in
# tests/dbt/requirements.txt (a venv in target/dbt-py) and writes its
# artifacts to OUT (default: tests/dbt/shop/target, the checked-in copy):
#   dbt seed; dbt source freshness (sources.json); dbt build (manifest.json,
#   run_results.json).
# Exits 3 when dbt cannot be installed here (no network, no venv), so a
# caller can fall back to the checked-in artifacts.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-tests/dbt/shop/target}
mkdir -p "$out"
out=$(cd "$out" && pwd)

py=target/dbt-py/bin/python
if ! "$py" -c 'import dbt.version' 2>/dev/null; then
  python3 -m venv target/dbt-py 2>/dev/null || exit 3
  "$py" -m pip install -q --disable-pip-version-check -r tests/dbt/requirements.txt || exit 3
fi
dbt=$PWD/target/dbt-py/bin/dbt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd tests/dbt/shop
export DBT_PROFILES_DIR=$PWD DBT_DUCKDB_PATH="$work/shop.duckdb" DBT_SEND_ANONYMOUS_USAGE_STATS=false
flags=(--target-path "$work/target" --log-path "$work/logs" --quiet)
"$dbt" seed "${flags[@]}"
# Stale on purpose (the seeds were loaded in 2024): exits 1.
"$dbt" source freshness "${flags[@]}" || true
# A test fails and one warns on purpose: exits 1.
"$dbt" build "${flags[@]}" || true
for f in manifest.json run_results.json sources.json; do
  cp "$work/target/$f" "$out/$f"
done
echo "dbt artifacts written to $out"
