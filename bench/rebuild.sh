#!/bin/sh
# One-file edit, then `build` over the previous site, for A/B timing of two
# binaries with bench/ab.py (each with its own copy of the workspace and site):
#
#   cp -r /tmp/b10000 /tmp/wa; cp -r /tmp/b10000 /tmp/wb
#   OLD build /tmp/wa -o /dev/shm/sa; NEW build /tmp/wb -o /dev/shm/sb
#   python3 bench/ab.py -n 9 --vs "bench/rebuild.sh OLD /tmp/wa /dev/shm/sa" -- bench/rebuild.sh NEW /tmp/wb /dev/shm/sb
#
# Usage: bench/rebuild.sh BINARY WORKSPACE SITE [EDIT]. EDIT `name` (the
# default) renames the first source, which changes every page that shows its
# name, and the workbook; `description` edits the first data product's
# description, which changes its own page only. Each run undoes the previous
# run's edit, so every run changes something.
set -eu
bin=$1 ws=$2 site=$3 edit=${4:-name}
case $edit in
name)
  f="$ws/sources/$(ls "$ws/sources" | head -n 1)"
  if grep -q '^name: Renamed ' "$f"; then
    sed -i 's/^name: Renamed /name: /' "$f"
  else
    sed -i 's/^name: /name: Renamed /' "$f"
  fi
  ;;
description)
  f="$ws/data-products/$(ls "$ws/data-products" | head -n 1)"
  if grep -q '^  Edited\. ' "$f"; then
    sed -i 's/^  Edited\. /  /' "$f"
  else
    sed -i '/^description: |$/{n;s/^  /  Edited. /}' "$f"
  fi
  ;;
*)
  echo "unknown edit: $edit (name or description)" >&2
  exit 2
  ;;
esac
exec "$bin" build "$ws" -o "$site"
