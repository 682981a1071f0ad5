#!/usr/bin/env python3
"""Time throughline on generated workspaces and print a Markdown report.

usage: bench/run.py [--sizes 1000,10000,100000] [--runs 5] [--no-compare] [--no-serve] [--wide]
                    [--incremental N]

For each size it generates a clean workspace (bench/generate.py, cached under
target/bench/), then times `check` and `build` with /usr/bin/time: median wall
and CPU time of --runs runs, and the largest peak RSS. At 10k it also measures
the site (page sizes, search index), the time `serve` takes from a one-file
edit to the reload event, and, side by side on the same files and schemas,
check-jsonschema (installed from PyPI into target/bench/venv).

--incremental N times `build` over its own previous site instead, at each
size: N one-file edits (a different source renamed each time), each followed
by a build; it prints the median and largest wall time, and what the builds
said they wrote and rendered.

--wide times a hostile shape instead: one spec whose single line is a flow
mapping with 10k and 100k unknown keys, checked with the JSON and the human
report. Every key is a finding on the same line, so any per-finding work that
scans the line or the mapping shows up as a 10x-keys, 100x-time ratio.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "bench")
BIN = os.path.join(ROOT, "target", "release", "throughline")


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def timed(args, runs, before=None):
    """Median wall and CPU seconds and max peak RSS (MB) of `args`, after one
    untimed run that warms the page cache (the workspaces are large enough for
    other runs to push them out)."""
    walls, cpus, rss = [], [], []
    if before:
        before()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        if before:
            before()
        r = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M"] + args,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if r.returncode not in (0, 1):
            sys.exit(f"{args} failed: {r.stderr}")
        wall, user, system, kb = r.stderr.strip().splitlines()[-1].split()
        walls.append(float(wall))
        cpus.append(float(user) + float(system))
        rss.append(int(kb) / 1024)
    return statistics.median(walls), statistics.median(cpus), max(rss)


def timed_fresh(make_args, runs):
    """Like `timed`, with new arguments for the warm-up and every run."""
    subprocess.run(make_args(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls, cpus, rss = [], [], []
    for _ in range(runs):
        r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + make_args(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall, user, system, kb = r.stderr.strip().splitlines()[-1].split()
        walls.append(float(wall))
        cpus.append(float(user) + float(system))
        rss.append(int(kb) / 1024)
    return statistics.median(walls), statistics.median(cpus), max(rss)


def workspace(n):
    path = os.path.join(WORK, f"ws-{n}")
    if not os.path.isdir(path):
        sh([sys.executable, os.path.join(ROOT, "bench", "generate.py"), str(n), path], stdout=subprocess.DEVNULL)
    return path


def site_metrics(site):
    sizes = []
    for dirpath, _, names in os.walk(site):
        for name in names:
            # Entity pages only: not the site's root pages, not kinds' list pages.
            if (name.endswith(".html") and os.path.basename(dirpath) != os.path.basename(site)
                    and name != "index.html" and not name.startswith("page-")):
                sizes.append(os.path.getsize(os.path.join(dirpath, name)))
    index = os.path.getsize(os.path.join(site, "assets", "search-index.js"))
    return statistics.median(sizes), max(sizes), index


def fetch(host, port, path):
    c = socket.create_connection((host, port))
    c.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    return data.decode(errors="replace")


def serve_reload(ws, edits=5):
    """Milliseconds from a one-file edit to the reload event, and to the
    edited page served with the change, per edit."""
    proc = subprocess.Popen([BIN, "serve", ws, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        addr = line.split("http://")[1].split("/")[0]
        host, port = addr.split(":")
        s = socket.create_connection((host, int(port)))
        s.sendall(f"GET /__throughline/events HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode())
        f = s.makefile("r")

        def wait(event):
            while True:
                line = f.readline()
                if not line:
                    sys.exit("serve closed the event stream")
                if line.strip() == f"event: {event}":
                    return

        wait("clear")
        spec = os.path.join(ws, "goals", "goal-1.yaml")
        original = open(spec).read()
        times = []
        for k in range(edits):
            text = original.replace("status: active", f"status: active\ntags: [edit-{k}]")
            start = time.perf_counter()
            with open(spec, "w") as out:
                out.write(text)
            wait("reload")
            reloaded = (time.perf_counter() - start) * 1000
            page = fetch(host, int(port), "/goals/goal-1.html")
            served = (time.perf_counter() - start) * 1000
            if f"edit-{k}" not in page:
                sys.exit("the served page does not show the edit")
            times.append((reloaded, served))
            time.sleep(0.3)
        with open(spec, "w") as out:
            out.write(original)
        return times
    finally:
        proc.terminate()
        proc.wait()


def check_jsonschema(ws, runs):
    venv = os.path.join(WORK, "venv")
    exe = os.path.join(venv, "bin", "check-jsonschema")
    if not os.path.exists(exe):
        sh([sys.executable, "-m", "venv", venv])
        sh([os.path.join(venv, "bin", "pip"), "install", "-q", "check-jsonschema"])
    schemas = os.path.join(WORK, "schemas")
    sh([BIN, "schema", "--out", schemas], stderr=subprocess.DEVNULL)
    files = []
    for dirpath, _, names in os.walk(ws):
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".yaml")]
    files.sort()
    them = timed([exe, "--schemafile", os.path.join(schemas, "throughline.schema.json")] + files, runs)
    us = timed([BIN, "check", ws, "--format", "json"], runs)
    return them, us


def wide_workspace(keys):
    path = os.path.join(WORK, f"wide-{keys}")
    if not os.path.isdir(path):
        os.makedirs(path)
        line = "{kind: Source, id: wide, name: W, system: x"
        line += "".join(f", k{i}: {i}" for i in range(keys))
        with open(os.path.join(path, "wide.yaml"), "w") as out:
            out.write(line + "}\n")
    return path


def wide(runs):
    print("| unknown keys on one line | file | check --format json | check (human) | human report |")
    print("|---:|---:|---:|---:|---:|")
    walls = {}
    for keys in (10_000, 100_000):
        ws = wide_workspace(keys)
        size = os.path.getsize(os.path.join(ws, "wide.yaml"))
        json_run = timed([BIN, "check", ws, "--format", "json"], runs)
        human = timed([BIN, "check", ws], runs)
        report = subprocess.run([BIN, "check", ws], capture_output=True).stdout
        walls[keys] = json_run[0]
        print(f"| {keys:,} | {size / 1e6:.2f} MB | {json_run[0]:.2f} s, {json_run[2]:.0f} MB "
              f"| {human[0]:.2f} s, {human[2]:.0f} MB | {len(report) / 1e6:.1f} MB |", flush=True)
    print(f"\n100k / 10k wall-time ratio (JSON): {walls[100_000] / walls[10_000]:.1f}")


def incremental(n, edits, site_root):
    """`build` over the previous site after each of `edits` one-file edits."""
    ws = os.path.join(WORK, f"ws-{n}-edited")
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(workspace(n), ws)
    site = os.path.join(site_root, f"throughline-bench-incremental-{n}")
    shutil.rmtree(site, ignore_errors=True)
    sh([BIN, "build", ws, "-o", site], stderr=subprocess.DEVNULL)
    sources = sorted(os.listdir(os.path.join(ws, "sources")))
    walls, said = [], []
    for k in range(edits):
        path = os.path.join(ws, "sources", sources[k % len(sources)])
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("\nname: ", f"\nname: Renamed {k} ", 1))
        start = time.perf_counter()
        out = subprocess.run([BIN, "build", ws, "-o", site], capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        said.append(out.stderr.strip().splitlines()[-1])
    shutil.rmtree(site, ignore_errors=True)
    print(f"| {n:,} | {statistics.median(walls):.3f} s | {max(walls):.3f} s | {said[-1]} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--no-serve", action="store_true")
    ap.add_argument("--check-only", action="store_true", help="time `check` only")
    ap.add_argument("--site-root", default=WORK,
                    help="where `build` writes its sites (e.g. /dev/shm to leave the disk out)")
    ap.add_argument("--wide", action="store_true", help="time only the one-wide-line hostile case")
    ap.add_argument("--incremental", type=int, metavar="EDITS",
                    help="time only `build` over the previous site after EDITS one-file edits")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    os.makedirs(WORK, exist_ok=True)
    if a.wide:
        return wide(a.runs)
    if a.incremental:
        print(f"`build` over the previous site after a one-file edit, {a.incremental} edits each\n")
        print("| entities | median wall | max wall | the last build said |")
        print("|---:|---:|---:|---|")
        for n in sizes:
            incremental(n, a.incremental, a.site_root)
        return
    print(f"throughline {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
          f"{os.cpu_count()} cores, {a.runs} runs each (median wall / median CPU / max peak RSS)\n")
    print("| entities | check wall | check CPU | check RSS | build wall | build CPU | build RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for n in sizes:
        ws = workspace(n)
        check = timed([BIN, "check", ws, "--format", "json"], a.runs)
        site = os.path.join(a.site_root, f"throughline-bench-site-{n}")
        if a.check_only:
            results[n] = (check, None, None)
            print(f"| {n:,} | {check[0]:.3f} s | {check[1]:.3f} s | {check[2]:.0f} MB | | | |", flush=True)
            continue
        # Each run builds into a new directory and old sites are deleted only
        # after timing: on a disk mounted with `discard` (as this project's VMs
        # are), deleting ten thousand files just before a run slows the run.
        counter = iter(range(1000))
        fresh = lambda: [BIN, "build", ws, "-o", f"{site}-{next(counter)}"]
        build = timed_fresh(fresh, a.runs)
        for k in range(a.runs + 1):
            if k > 0:
                shutil.rmtree(f"{site}-{k}", ignore_errors=True)
        if os.path.isdir(f"{site}-0"):
            os.replace(f"{site}-0", site)
        results[n] = (check, build, site)
        print(f"| {n:,} | {check[0]:.3f} s | {check[1]:.3f} s | {check[2]:.0f} MB "
              f"| {build[0]:.3f} s | {build[1]:.3f} s | {build[2]:.0f} MB |", flush=True)
    for n in [n for n in sizes if results[n][2]]:
        median, largest, index = site_metrics(results[n][2])
        print(f"\nsite at {n:,}: entity page median {median / 1024:.1f} KB, largest {largest / 1024:.1f} KB; "
              f"search index {index / 1024 / 1024:.2f} MB")
        shutil.rmtree(results[n][2], ignore_errors=True)
    if 10000 in results and 100000 in results:
        ratio = results[100000][0][0] / results[10000][0][0]
        print(f"\ncheck 100k / 10k wall-time ratio: {ratio:.1f}")
    if not a.no_serve and 10000 in sizes:
        times = serve_reload(workspace(10000))
        reload = [t[0] for t in times]
        served = [t[1] for t in times]
        print(f"\nserve at 10,000, {len(times)} one-file edits: edit → reload event median {statistics.median(reload):.0f} ms "
              f"(max {max(reload):.0f}); edit → edited page served median {statistics.median(served):.0f} ms (max {max(served):.0f})")
    if not a.no_compare:
        print("\n| entities | check-jsonschema wall | throughline check wall | ratio |")
        print("|---:|---:|---:|---:|")
        for n in [s for s in sizes if s <= 10000]:
            them, us = check_jsonschema(workspace(n), max(1, a.runs // 2))
            print(f"| {n:,} | {them[0]:.2f} s | {us[0]:.3f} s | {them[0] / us[0]:.0f}× |", flush=True)


if __name__ == "__main__":
    main()
