#!/usr/bin/env bash
# Runs every test: the Rust suite, then the built example site in a real
# browser (headless Chromium from Debian, driven by playwright-core, with axe
# for accessibility and the Nu HTML checker for validity).
#
# Installs what the tests need when it is missing: Debian's graphviz, libxml2-utils, sqlite3, neovim, man-db,
# chromium and a Java runtime (needs root, as in CI), the npm packages pinned in tests/browser, and
# openpyxl in a Python venv (target/py), the MCP Python SDK in another (target/mcp-py), and
# dbt with DuckDB in a third (target/dbt-py, tests/dbt/requirements.txt).
# THROUGHLINE_SKIP_BROWSER=1 runs the Rust suite only.
set -euo pipefail
cd "$(dirname "$0")/.."

skip_browser=${THROUGHLINE_SKIP_BROWSER:-0}
chromium_bin=${CHROMIUM:-/usr/bin/chromium}

# Debian packages the tests use: Graphviz (the DOT export is rendered),
# libxml2-utils (xmllint validates the JUnit report), sqlite3 (the
# measurements recipe runs against a real database), neovim (an editor as
# the language server's client),
# Chromium (the browser tests) and a Java runtime (the Nu HTML checker).
# Installed when missing and running as root.
missing=()
command -v dot >/dev/null || missing+=(graphviz)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v nvim >/dev/null || missing+=(neovim)
command -v man >/dev/null || missing+=(man-db)
[ "$skip_browser" = 1 ] || [ -x "$chromium_bin" ] || missing+=(chromium)
[ "$skip_browser" = 1 ] || command -v java >/dev/null || missing+=(default-jre-headless)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# In CI the DOT rendering and JUnit schema tests must run, never skip.
if command -v dot >/dev/null || [ -n "${CI:-}" ]; then
  export THROUGHLINE_REQUIRE_DOT=1
fi
# The man page is rendered with `man -l`.
if command -v man >/dev/null || [ -n "${CI:-}" ]; then
  export THROUGHLINE_REQUIRE_MAN=1
fi
if command -v xmllint >/dev/null || [ -n "${CI:-}" ]; then
  export THROUGHLINE_REQUIRE_XMLLINT=1
fi
if command -v sqlite3 >/dev/null || [ -n "${CI:-}" ]; then
  export THROUGHLINE_REQUIRE_SQLITE=1
fi
if command -v nvim >/dev/null || [ -n "${CI:-}" ]; then
  export THROUGHLINE_REQUIRE_NVIM=1
fi

# A Python with openpyxl reads the exported workbook back, as a spreadsheet
# user's tools would: a venv in target/py with the version pinned here.
py=target/py/bin/python
if ! "$py" -c 'import openpyxl' 2>/dev/null; then
  if ! python3 -m venv target/py 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv target/py
  fi
  "$py" -m pip install -q --disable-pip-version-check openpyxl==3.1.5
fi
export THROUGHLINE_PYTHON="$PWD/$py"
export THROUGHLINE_REQUIRE_OPENPYXL=1

# dbt: tests/dbt/shop is built again with the dbt pinned in
# tests/dbt/requirements.txt (a venv in target/dbt-py), and the suite reads
# the fresh artifacts; where dbt cannot be installed, it reads the copies
# checked in beside the project.
dbt_ok=0
dbt_status=0
mkdir -p target
bash tests/dbt/regenerate.sh target/dbt-shop >target/dbt-regenerate.log 2>&1 || dbt_status=$?
if [ "$dbt_status" = 0 ]; then
  export THROUGHLINE_DBT_ARTIFACTS="$PWD/target/dbt-shop"
  dbt_ok=1
elif [ "$dbt_status" = 3 ]; then
  echo "dbt cannot be installed here: the dbt tests read tests/dbt/shop/target as checked in"
else
  cat target/dbt-regenerate.log >&2
  echo "error: building tests/dbt/shop with dbt failed" >&2
  exit 1
fi

cargo test

if [ "$dbt_ok" = 1 ]; then
  cargo build --quiet
  bash tests/dbt/exposures.sh target/debug/throughline
fi

# A real MCP client outside the project: the official Python SDK (versions
# pinned in tests/mcp/requirements.txt, in a venv in target/mcp-py) lists the
# tools and resources of `throughline mcp` and calls each on example-spec/.
mcp_py=target/mcp-py/bin/python
if ! "$mcp_py" -c 'import mcp' 2>/dev/null; then
  python3 -m venv target/mcp-py
  "$mcp_py" -m pip install -q --disable-pip-version-check -r tests/mcp/requirements.txt
fi
cargo build --quiet
"$mcp_py" tests/mcp/client.py target/debug/throughline example-spec

if [ "$skip_browser" = 1 ]; then
  echo "browser tests skipped (THROUGHLINE_SKIP_BROWSER=1)"
  exit 0
fi

if [ ! -x "$chromium_bin" ]; then
  echo "error: the browser tests need Chromium at $chromium_bin (Debian: apt-get install chromium)," >&2
  echo "       or set CHROMIUM, or THROUGHLINE_SKIP_BROWSER=1 to skip them" >&2
  exit 1
fi
command -v java >/dev/null || { echo "error: the HTML checker needs Java (17 or later)" >&2; exit 1; }

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

cargo build --quiet
site_parent=$(mktemp -d)
trap 'rm -rf "$site_parent"' EXIT
target/debug/throughline build example-spec -o "$site_parent/site"

shots="$PWD/target/screenshots"
(cd tests/browser && SITE_DIR="$site_parent/site" SHOTS_DIR="$shots" CHROMIUM="$chromium_bin" \
  THROUGHLINE_BIN="$PWD/../../target/debug/throughline" EXAMPLE_DIR="$PWD/../../example-spec" DBT_SPECS="$PWD/../dbt/specs" LINEAGE_SPECS="$PWD/../fixtures/openlineage" npm test --silent)
echo "screenshots for review: $shots"
