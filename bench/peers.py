#!/usr/bin/env python3
"""Time throughline beside Doorstop and StrictDoc on the same generated trace.

usage: bench/peers.py [--size N] [--runs R] [--peer-runs P]

Generates a clean workspace of about N entities (bench/generate.py, default
10,000), expresses the same trace for Doorstop (a document per kind, an item
per entity, `links` for every reference) and for StrictDoc (an .sdoc
document per kind, a requirement per entity, a Parent relation for every
reference), installs both from PyPI into target/bench/peers-venv (pinned
below), and times in one run:

- `throughline check` and `doorstop` (which loads and validates the tree);
- `throughline build` and `strictdoc export --formats html`.

Each figure is the median wall time of its runs and the largest peak RSS
(/usr/bin/time). Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "bench")
BIN = os.path.join(ROOT, "target", "release", "throughline")
VENV = os.path.join(WORK, "peers-venv")
PINS = ["doorstop==3.2", "strictdoc==0.30.4", "PyYAML==6.0.4"]

# kind: (Doorstop prefix, parent document)
DOCS = {
    "NorthStar": ("NS", None),
    "Goal": ("GOAL", "NS"),
    "Initiative": ("INI", "GOAL"),
    "Hypothesis": ("HYP", "INI"),
    "UseCase": ("UC", "INI"),
    "DataProduct": ("DP", "UC"),
    "Source": ("SRC", "DP"),
    "Consumer": ("CON", "UC"),
}
# The reference fields of each kind, as in contract §1.
REFS = {
    "Goal": ["contributesTo", "consumers"],
    "Initiative": ["goals"],
    "Hypothesis": ["initiative", "goal"],
    "UseCase": ["hypotheses", "initiatives", "consumers", "dataProducts"],
    "DataProduct": ["inputs"],
}


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        sh([sys.executable, "-m", "venv", VENV])
    sh([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS])
    return py


def load_specs(py, specs):
    """Every entity of the workspace, read with PyYAML in the venv."""
    code = r"""
import json, os, sys, yaml
out = []
for d, _, names in sorted(os.walk(sys.argv[1])):
    for n in sorted(names):
        if n.endswith(".yaml"):
            for doc in yaml.safe_load_all(open(os.path.join(d, n))):
                if isinstance(doc, dict) and "kind" in doc:
                    out.append(doc)
json.dump(out, sys.stdout, default=str)
"""
    import json
    text = subprocess.run([py, "-c", code, specs], check=True, capture_output=True, text=True).stdout
    return json.loads(text)


def targets(entity, field):
    value = entity.get(field)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]


def links_of(entity):
    out = []
    for field in REFS.get(entity["kind"], []):
        out += targets(entity, field)
    for p in entity.get("usagePatterns") or []:
        if isinstance(p, dict) and isinstance(p.get("consumer"), str):
            out.append(p["consumer"])
    return out


def doorstop_tree(entities, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    sh(["git", "init", "-q"], cwd=out)
    uid = {}
    counters = {}
    for e in entities:
        prefix = DOCS[e["kind"]][0]
        counters[prefix] = counters.get(prefix, 0) + 1
        uid[e["id"]] = f"{prefix}{counters[prefix]:05d}"
    for kind, (prefix, parent) in DOCS.items():
        d = os.path.join(out, prefix.lower())
        os.makedirs(d)
        with open(os.path.join(d, ".doorstop.yml"), "w") as f:
            f.write(f"settings:\n  digits: 5\n  prefix: {prefix}\n  sep: ''\n")
            if parent:
                f.write(f"  parent: {parent}\n")
    for e in entities:
        prefix = DOCS[e["kind"]][0]
        links = [uid[t] for t in links_of(e) if t in uid]
        text = (e.get("name") or e["id"]) + "\n\n" + str(e.get("description") or "")
        with open(os.path.join(out, prefix.lower(), uid[e["id"]] + ".yml"), "w") as f:
            f.write("active: true\nderived: false\nheader: ''\nlevel: 1\n")
            if links:
                f.write("links:\n" + "".join(f"- {l}: null\n" for l in links))
            else:
                f.write("links: []\n")
            f.write("normative: true\nref: ''\nreviewed: null\ntext: |\n")
            for line in text.splitlines() or [""]:
                f.write(f"  {line}\n")


def sdoc_text(s):
    return " ".join(str(s).split()) or "-"


def strictdoc_tree(entities, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    by_kind = {}
    for e in entities:
        by_kind.setdefault(e["kind"], []).append(e)
    ids = {e["id"] for e in entities}
    for kind, items in by_kind.items():
        with open(os.path.join(out, f"{DOCS[kind][0].lower()}.sdoc"), "w") as f:
            f.write(f"[DOCUMENT]\nTITLE: {kind}\n")
            for e in items:
                f.write(f"\n[REQUIREMENT]\nUID: {e['id']}\nTITLE: {sdoc_text(e.get('name') or e['id'])}\n")
                f.write(f"STATEMENT: {sdoc_text(e.get('description') or e.get('name') or e['id'])}\n")
                parents = [t for t in links_of(e) if t in ids]
                if parents:
                    f.write("RELATIONS:\n" + "".join(f"- TYPE: Parent\n  VALUE: {p}\n" for p in parents))


def timed(args, runs, cwd=None):
    walls, peaks = [], []
    for _ in range(runs):
        r = subprocess.run(["/usr/bin/time", "-f", "%e %M", *args], cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"{args[0]} failed ({r.returncode}): {r.stderr[-2000:]}")
        last = r.stderr.strip().splitlines()[-1].split()
        walls.append(float(last[0]))
        peaks.append(int(last[1]) / 1024)
    return statistics.median(walls), max(peaks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-runs", type=int, default=1)
    a = ap.parse_args()
    if not os.path.exists(BIN):
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    base = os.path.join(WORK, f"peers-{a.size}")
    specs = os.path.join(base, "specs")
    if not os.path.exists(specs):
        os.makedirs(base, exist_ok=True)
        sh([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(a.size), specs],
           stdout=subprocess.DEVNULL)
    py = venv()
    entities = load_specs(py, specs)
    doorstop_tree(entities, os.path.join(base, "doorstop"))
    strictdoc_tree(entities, os.path.join(base, "strictdoc"))
    bindir = os.path.join(VENV, "bin")
    site = os.path.join(base, "site")
    rows = []
    shutil.rmtree(site, ignore_errors=True)
    rows.append(("throughline check", *timed([BIN, "check", specs], a.runs)))
    rows.append(("doorstop (load and validate)",
                 *timed([os.path.join(bindir, "doorstop")], a.peer_runs, cwd=os.path.join(base, "doorstop"))))

    def build():
        shutil.rmtree(site, ignore_errors=True)
        return timed([BIN, "build", specs, "-o", site], 1)

    walls = [build() for _ in range(a.runs)]
    rows.append(("throughline build (into a new directory)",
                 statistics.median(w for w, _ in walls), max(p for _, p in walls)))
    sd_out = os.path.join(base, "strictdoc-out")
    shutil.rmtree(sd_out, ignore_errors=True)
    rows.append(("strictdoc export --formats html",
                 *timed([os.path.join(bindir, "strictdoc"), "export", os.path.join(base, "strictdoc"),
                         "--formats", "html", "--output-dir", sd_out], a.peer_runs)))
    print(f"\n{len(entities)} entities, {os.cpu_count()} cores\n")
    print("| command | wall | peak RSS |\n|---|---:|---:|")
    for name, wall, peak in rows:
        print(f"| {name} | {wall:.2f} s | {peak:.0f} MB |")


if __name__ == "__main__":
    main()
