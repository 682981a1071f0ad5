#!/usr/bin/env bash
# Fuzzes load → check and the Markdown/HTML path for a bounded time each,
# starting from the seed corpus (the example workspace's specs).
#
#   fuzz/run.sh [SECONDS]      default 60 per target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The machine's stable toolchain
# is used with RUSTC_BOOTSTRAP=1 for the sanitizer flags cargo-fuzz passes.
# A crash is saved under fuzz/artifacts/TARGET/; copy it into seeds/TARGET/
# under a name that says what it is, and `cargo test` replays it from then on
# (tests/fuzz_replay.rs) — then fix it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
for target in check markdown; do
  mkdir -p "corpus/$target"
  cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir . "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048
done
