#!/usr/bin/env python3
"""Times `throughline mcp` as an assistant uses it: each tool's answer after
the first load, and the idle server's memory against `check`'s peak.

    python3 bench/mcp.py [--size 10000] [--runs 21] [--bin target/release/throughline]

Generates the workspace with bench/generate.py under target/bench/ (once),
starts the server, speaks JSON-RPC over its stdin and stdout, and reports
per tool the median and the slowest of RUNS calls (the clock runs from the
request's write to the answer's last byte). Memory: the server's resident
set (VmRSS) after the calls, its peak (VmHWM), and `check`'s peak RSS.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))


def rss(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--bin", default="target/release/throughline")
    args = ap.parse_args()
    ws = os.path.join("target", "bench", f"mcp-{args.size}")
    if not os.path.isdir(ws):
        subprocess.run([sys.executable, os.path.join(here, "generate.py"), str(args.size), ws],
                       check=True, stdout=subprocess.DEVNULL)
    p = subprocess.Popen([args.bin, "mcp", ws], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    n = 0

    def request(method, params):
        nonlocal n
        n += 1
        p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params}) + "\n").encode())
        p.stdin.flush()
        while True:
            msg = json.loads(p.stdout.readline())
            if msg.get("id") == n:
                return msg

    start = time.monotonic()
    request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                           "clientInfo": {"name": "bench", "version": "0"}})
    p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    p.stdin.flush()
    first = request("tools/call", {"name": "overview", "arguments": {}})
    print(f"first load and overview: {time.monotonic() - start:.3f} s")
    assert not first["result"]["isError"], first
    entity = first["result"]["structuredContent"]
    found = request("tools/call", {"name": "search", "arguments": {"query": "goal", "kind": "Goal", "limit": 1}})
    goal = found["result"]["structuredContent"]["results"][0]
    dp = request("tools/call", {"name": "search", "arguments": {"query": "data", "kind": "DataProduct", "limit": 1}})
    dp = dp["result"]["structuredContent"]["results"][0]
    with open(os.path.join(ws, goal["file"])) as f:
        goal_text = f.read()
    calls = [
        ("overview", {}),
        ("get_entity", {"id": dp["id"]}),
        ("trace", {"id": dp["id"], "direction": "up"}),
        ("trace", {"id": goal["id"], "direction": "down", "depth": 2}),
        ("search", {"query": "customer orders"}),
        ("impact", {"id": dp["id"]}),
        ("status", {}),
        ("check", {}),
        ("explain_rule", {"rule": "untraced"}),
        ("suspect_links", {}),
        ("validate_draft", {"path": goal["file"], "text": goal_text.replace("name:", "name: Draft", 1)}),
        ("validate_draft", {"path": "goals/a-new-goal.yaml",
                            "text": goal_text.replace("id: " + goal["id"], "id: a-new-goal", 1)}),
    ]
    print(f"{'tool':<34} {'median ms':>10} {'max ms':>9} {'bytes':>9}")
    for name, a in calls:
        times = []
        size = 0
        for _ in range(args.runs):
            t = time.monotonic()
            r = request("tools/call", {"name": name, "arguments": a})
            times.append((time.monotonic() - t) * 1000)
            assert not r["result"].get("isError"), (name, r)
            size = len(json.dumps(r))
        label = name + (" " + a.get("direction", "") if name == "trace" else "")
        if name == "validate_draft":
            label += " (new file)" if "new" in a["path"] else " (a file changed)"
        print(f"{label:<34} {statistics.median(times):>10.1f} {max(times):>9.1f} {size:>9}")
    idle, peak = rss(p.pid, "VmRSS"), rss(p.pid, "VmHWM")
    p.stdin.close()
    p.wait()
    check = subprocess.run(["/usr/bin/time", "-f", "%M", args.bin, "check", ws],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    check_peak = int(check.stderr.strip().splitlines()[-1]) / 1024
    print(f"server resident after the calls: {idle:.0f} MiB (peak {peak:.0f} MiB); check's peak: {check_peak:.0f} MiB")


if __name__ == "__main__":
    main()
