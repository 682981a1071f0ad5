#!/usr/bin/env python3
"""Prepare a git repository for timing `throughline diff` at scale.

usage: bench/diff.py [N] [CHANGES]   (defaults: 10000 entities, 100 changed)

Generates a clean workspace of about N entities (bench/generate.py, under
target/bench/diff-N/), commits it as `base`, then changes CHANGES entities
the way pull requests do (a goal target lowered, a data product's freshness
SLO loosened, a description reworded, a file renamed, an entity added) and
commits that as `head`. It prints the commands to time, for example:

    python3 bench/ab.py -n 7 -- target/release/throughline diff REPO --base base --head head --format json
    python3 bench/ab.py -n 7 -- target/release/throughline diff REPO --base base   # head: the working tree

The figures go in docs/benchmarks.md.
"""

import os
import random
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, stdout=subprocess.DEVNULL,
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    changes = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    repo = os.path.join(ROOT, "target", "bench", f"diff-{n}")
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(n), repo],
                   check=True, stdout=subprocess.DEVNULL)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "tag", "base")
    rng = random.Random(7)
    files = []
    for d, _, names in os.walk(repo):
        if ".git" in d:
            continue
        files += [os.path.join(d, f) for f in names if f.endswith(".yaml")]
    files.sort()
    rng.shuffle(files)
    done = 0
    for path in files:
        if done >= changes:
            break
        with open(path) as f:
            text = f.read()
        if "kind: Goal" in text and "target: " in text:
            i = text.index("target: ")
            j = text.index("\n", i)
            text = text[:i] + "target: 1" + text[j:]
        elif "property: freshness" in text:
            text = text.replace("property: freshness\n    target: ", "property: freshness\n    target: 9", 1)
        elif "\nname: " in text:
            text = text.replace("\nname: ", "\nname: Renamed ", 1)
        else:
            continue
        with open(path, "w") as f:
            f.write(text)
        done += 1
    moved = files[-1]
    git(repo, "mv", os.path.relpath(moved, repo), os.path.relpath(moved, repo) + ".moved.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    git(repo, "tag", "head")
    exe = os.path.join(ROOT, "target", "release", "throughline")
    print(f"{done} entities changed, one file renamed, in {repo}")
    print(f"python3 bench/ab.py -n 7 -- {exe} diff {repo} --base base --head head --format json")
    print(f"python3 bench/ab.py -n 7 -- {exe} diff {repo} --base base")


if __name__ == "__main__":
    main()
