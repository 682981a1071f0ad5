#!/bin/sh
# Workspaces for timing suspect links: a generated workspace of N entities
# in git, with every link reviewed (a full throughline.lock), and the same
# workspace without a lock.
#
#   bench/review.sh target/release/throughline 10000 /tmp/r10k
#   T=target/release/throughline
#   python3 bench/ab.py -n 15 --vs "$T check /tmp/r10k-nolock" -- $T check /tmp/r10k
#   python3 bench/ab.py -n 9 -- sh -c "cd /tmp/r10k && $T review --all"
#
# Usage: bench/review.sh BINARY N DIR; writes DIR and DIR-nolock.
set -eu
bin=$(realpath "$1") n=$2 dir=$3
here=$(dirname "$0")
rm -rf "$dir" "$dir-nolock"
python3 "$here/generate.py" "$n" "$dir" >/dev/null
cp -r "$dir" "$dir-nolock"
cd "$dir"
git init -q
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -qm specs
"$bin" review --all >/dev/null
git add throughline.lock
git -c user.name=bench -c user.email=bench@example.com commit -qm reviewed
echo "$dir: $(grep -vc '^#' throughline.lock) stamps; $dir-nolock: no lock"
