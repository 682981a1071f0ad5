#!/bin/sh
# One-file edit, then `build` over the previous site, for A/B timing of two
# binaries with farm-bench (each with its own copy of the workspace and site):
#
#   cp -r /tmp/b10000 /tmp/wa; cp -r /tmp/b10000 /tmp/wb
#   OLD build /tmp/wa -o /dev/shm/sa; NEW build /tmp/wb -o /dev/shm/sb
#   farm-bench -n 9 --vs "bench/rebuild.sh OLD /tmp/wa /dev/shm/sa" -- bench/rebuild.sh NEW /tmp/wb /dev/shm/sb
#
# Usage: bench/rebuild.sh BINARY WORKSPACE SITE. The edit renames the first
# source, and undoes the rename on the next run, so every run changes a name.
set -eu
bin=$1 ws=$2 site=$3
f="$ws/sources/$(ls "$ws/sources" | head -n 1)"
if grep -q '^name: Renamed ' "$f"; then
  sed -i 's/^name: Renamed /name: /' "$f"
else
  sed -i 's/^name: /name: Renamed /' "$f"
fi
exec "$bin" build "$ws" -o "$site"
