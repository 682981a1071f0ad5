#!/usr/bin/env bash
# Hands what `throughline export dbt-exposures` writes to the real dbt (the
# venv regenerate.sh made): dbt must parse it, and `dbt ls -s
# +exposure:finance_team` must select the models the trace says the finance
# team reads. Usage: exposures.sh THROUGHLINE_BIN
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$1
dbt=$PWD/target/dbt-py/bin/dbt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r tests/dbt/shop "$work/shop"
cp -r tests/dbt/specs "$work/specs"
# The specs name the renamed model on purpose; export from corrected specs.
sed -i 's/dbt: order_facts/dbt: orders/' "$work/specs/data-products.yaml"
"$bin" export dbt-exposures "$work/specs" --out "$work/shop/models/throughline_exposures.yml" 2>/dev/null
cd "$work/shop"
export DBT_PROFILES_DIR=$PWD DBT_DUCKDB_PATH="$work/shop.duckdb" DBT_SEND_ANONYMOUS_USAGE_STATS=false
selected=$("$dbt" ls -q -s +exposure:finance_team --resource-type model --output name --target-path "$work/target" --log-path "$work/logs")
for model in customer_revenue orders stg_orders stg_payments dim_customers.v2; do
  grep -qx "$model" <<<"$selected" || { echo "dbt ls +exposure:finance_team lacks $model:" >&2; echo "$selected" >&2; exit 1; }
done
echo "dbt reads the exported exposures: +exposure:finance_team selects $(wc -l <<<"$selected") models"
