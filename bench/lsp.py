#!/usr/bin/env python3
"""Time `throughline lsp` on a generated workspace: startup to the first
diagnostics of an opened file, and an edit to its diagnostics (median of
EDITS edits that break and fix a reference), and the server's peak memory.

usage: bench/lsp.py WORKSPACE [EDITS] [BINARY]
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import queue


def main():
    ws = os.path.realpath(sys.argv[1])
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    binary = sys.argv[3] if len(sys.argv) > 3 else "target/release/throughline"
    p = subprocess.Popen([binary, "lsp", "--today", "2026-12-01"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    inbox = queue.Queue()

    def reader():
        while True:
            length = 0
            while True:
                line = p.stdout.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            inbox.put(json.loads(p.stdout.read(length)))

    threading.Thread(target=reader, daemon=True).start()

    def send(msg):
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        p.stdin.flush()

    def wait(pred):
        while True:
            m = inbox.get(timeout=60)
            if pred(m):
                return m

    goal = os.path.join(ws, "goals", "goal-1.yaml")
    uri = "file://" + goal
    text = open(goal).read()
    started = time.perf_counter()
    send({"id": 1, "method": "initialize", "params": {"rootUri": "file://" + ws, "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}}})
    wait(lambda m: m.get("id") == 1)
    send({"method": "initialized", "params": {}})
    send({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    diag = lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    wait(diag)
    startup = time.perf_counter() - started
    times = []
    for n in range(edits):
        broken = text.replace("contributesTo: ", "contributesTo: x", 1) if n % 2 == 0 else text
        t = time.perf_counter()
        send({"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": n + 2}, "contentChanges": [{"text": broken}]}})
        m = wait(diag)
        times.append(time.perf_counter() - t)
        assert (len(m["params"]["diagnostics"]) > 0) == (n % 2 == 0), m
    rss = 0
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) // 1024
    send({"id": 2, "method": "shutdown"})
    wait(lambda m: m.get("id") == 2)
    send({"method": "exit"})
    p.wait(timeout=10)
    print(f"startup to first diagnostics: {startup * 1000:.0f} ms")
    print(f"edit to diagnostics: median {statistics.median(times) * 1000:.0f} ms, "
          f"min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f} ms over {edits} edits")
    print(f"peak memory: {rss} MiB")


if __name__ == "__main__":
    main()
