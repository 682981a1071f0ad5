#!/usr/bin/env python3
"""Times a command as a whole process, alone or against a second one.

    python3 bench/ab.py [-n RUNS] [--warmup N] [--vs 'COMMAND_B'] -- COMMAND [ARG ...]

Each run's wall time is a monotonic clock around the child; CPU (user +
system) and peak RSS are the kernel's accounting of the reaped child
(os.wait4). With --vs, A and B run in turn (A B A B ...) and the ratio A/B is
taken pair by pair, so a machine whose speed drifts during the call still
gives a meaningful ratio. Output is thrown away; figures are min / median /
max, and the median is the one to quote.
"""

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd):
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak": usage.ru_maxrss / 1024,  # KiB on Linux
        "code": proc.returncode,
    }


def spread(values, unit):
    values = sorted(values)
    return f"{values[0]:.3f} / {statistics.median(values):.3f} / {values[-1]:.3f} {unit}"


def report(name, runs):
    codes = sorted({r["code"] for r in runs})
    print(f"{name}: {len(runs)} runs, exit {codes}")
    print(f"  wall  {spread([r['wall'] for r in runs], 's')}")
    print(f"  cpu   {spread([r['cpu'] for r in runs], 's')}")
    print(f"  peak  {spread([r['peak'] for r in runs], 'MiB')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--vs", help="the second command (B), split as a shell splits words")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    a = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not a:
        parser.error("give the command after --")
    b = shlex.split(args.vs) if args.vs else None
    for _ in range(args.warmup):
        run(a)
        if b:
            run(b)
    runs_a, runs_b = [], []
    for _ in range(args.runs):
        runs_a.append(run(a))
        if b:
            runs_b.append(run(b))
    report("A", runs_a)
    if b:
        report("B", runs_b)
        for key in ("wall", "cpu"):
            ratios = [x[key] / y[key] for x, y in zip(runs_a, runs_b) if y[key] > 0]
            print(f"A/B {key} {spread(ratios, '')}".rstrip())


if __name__ == "__main__":
    sys.exit(main())
