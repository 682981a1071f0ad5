#!/usr/bin/env python3
"""Generate a realistic, clean throughline workspace of about N entities.

One entity per file, all eight kinds in proportions like a real programme
(goals with sub-goals, initiatives with hypotheses, use cases, data products
from source-aligned to consumer-aligned with SLOs and usage patterns, sources
including personal data, consumers), Markdown descriptions, and every link
valid, so `throughline check --strict` finds nothing.

With `--measurements ROWS`, it also writes about ROWS observations of the
North Star metric and every goal indicator (daily, ending on 2026-12-01, in
`measurements/*.measurements.csv`, one file per 50 goals), rising toward
their targets so every indicator is on track; check it with
`--today 2026-12-01`.

usage: bench/generate.py N OUT_DIR [--measurements ROWS]
"""

import os
import random
import sys

WORDS = (
    "customer basket product affinity revenue churn margin supply order "
    "campaign retention store region channel price promotion loyalty stock "
    "forecast segment journey cohort conversion partner invoice claim"
).split()


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def title(rng, n):
    return words(rng, n).capitalize()


def markdown(rng):
    return (
        f"  {title(rng, 6)} so that **{words(rng, 3)}** improves.\n"
        f"\n"
        f"  - {words(rng, 5)}\n"
        f"  - {words(rng, 4)} with `{rng.choice(WORDS)}_{rng.choice(WORDS)}`\n"
    )


def measurements(rng, goals, rows, add):
    """About `rows` daily observations, split evenly over the North Star and `goals`."""
    import datetime
    series = [("north-star", "")] + [(g, "main") for g in goals]
    days = max(2, rows // len(series))
    end = datetime.date(2026, 12, 1)
    dates = [(end - datetime.timedelta(days=days - 1 - k)).isoformat() for k in range(days)]
    for start in range(0, len(series), 50):
        lines = ["date,entity,indicator,value"]
        for entity, indicator in series[start:start + 50]:
            base = 20 + rng.random() * 10
            for k, d in enumerate(dates):
                # From the baseline to the target over the days shown, and beyond by the deadline.
                v = base + (40 - base) * k / days + rng.uniform(-0.3, 0.3)
                lines.append(f"{d},{entity},{indicator},{v:.2f}")
        add(f"measurements/part-{start // 50:04d}.measurements.csv", "\n".join(lines) + "\n")


def main():
    args = sys.argv[1:]
    rows = 0
    if "--measurements" in args:
        i = args.index("--measurements")
        rows = int(args[i + 1])
        del args[i:i + 2]
    n, out = int(args[0]), args[1]
    rng = random.Random(n)
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"{out} is not empty")
    # Proportions of the N entities.
    share = {
        "goal": 0.06, "initiative": 0.10, "hypothesis": 0.12, "usecase": 0.12,
        "dataproduct": 0.30, "source": 0.15, "consumer": 0.15,
    }
    count = {k: max(2, int(n * v)) for k, v in share.items()}
    files = []

    def add(path, text):
        files.append((path, text))

    add("north-star.yaml", f"""kind: NorthStar
id: north-star
name: Revenue from repeat customers
owner: Chief Commercial Officer
vision: Every customer comes back because we know what they need next.
description: |
{markdown(rng)}metric:
  name: Repeat revenue share
  definition: Revenue from customers with a previous order, divided by all revenue.
  unit: percent
  direction: increase
  baseline: 20
  target: 35
  by: 2027-12-31
""" + ("" if rows else "  current: 24\n"))
    goals = [f"goal-{i}" for i in range(count["goal"])]
    for i, g in enumerate(goals):
        # A third of the goals are sub-goals of an earlier goal.
        parent = goals[rng.randrange(i)] if i > 3 and rng.random() < 0.33 else "north-star"
        current = "" if rows else f"    current: {rng.randint(40, 50)}\n"
        add(f"goals/{g}.yaml", f"""kind: Goal
id: {g}
name: {title(rng, 4)}
owner: {title(rng, 2)} team
status: active
contributesTo: {parent}
description: |
{markdown(rng)}successIndicators:
  - id: main
    name: {title(rng, 3)}
    unit: percent
    baseline: {rng.randint(5, 20)}
{current}    target: {rng.randint(40, 50)}
    by: 2027-12-31
""")
    initiatives = [f"initiative-{i}" for i in range(count["initiative"])]
    goals_of = {}
    for i, ini in enumerate(initiatives):
        # Every goal gets at least one initiative.
        gs = sorted({goals[i % len(goals)], rng.choice(goals)})
        goals_of[ini] = gs
        add(f"initiatives/{ini}.yaml", f"""kind: Initiative
id: {ini}
name: {title(rng, 4)}
owner: {title(rng, 2)} team
status: active
goals: [{", ".join(gs)}]
description: |
{markdown(rng)}""")
    hypotheses = [f"hypothesis-{i}" for i in range(count["hypothesis"])]
    for i, h in enumerate(hypotheses):
        ini = initiatives[i % len(initiatives)]
        add(f"hypotheses/{h}.yaml", f"""kind: Hypothesis
id: {h}
name: {title(rng, 4)}
statement: We believe that {words(rng, 3)} will help achieve {words(rng, 3)}.
initiative: {ini}
goal: {rng.choice(goals_of[ini])}
status: {rng.choice(["untested", "validated"])}
evidence: |
{markdown(rng)}""")
    consumers = [f"consumer-{i}" for i in range(count["consumer"])]
    sources = [f"source-{i}" for i in range(count["source"])]
    products = [f"product-{i}" for i in range(count["dataproduct"])]
    # Source-aligned first, then aggregates, then consumer-aligned ones that
    # read earlier products: inputs always point backwards, so no cycles.
    n_source_aligned = len(products) // 3
    n_aggregate = len(products) // 3
    usecases = [f"usecase-{i}" for i in range(count["usecase"])]
    listed = {}
    for i, uc in enumerate(usecases):
        listed[uc] = sorted({products[-1 - (i % (len(products) - n_source_aligned - n_aggregate))],
                             rng.choice(products)})
    needed = set(p for ps in listed.values() for p in ps)
    inputs_of = {}
    for i, p in enumerate(products):
        if i < n_source_aligned:
            srcs = [sources[i % len(sources)]]
            if i + n_source_aligned < len(sources):
                srcs.append(sources[i + n_source_aligned])
            inputs_of[p] = srcs
        else:
            inputs_of[p] = sorted({products[rng.randrange(i)], products[rng.randrange(i)]})
    # Sources not yet read go to source-aligned products; products nothing
    # needs become inputs of a later product or of a use case.
    used_sources = {s for ins in inputs_of.values() for s in ins if s.startswith("source")}
    for j, s in enumerate(s for s in sources if s not in used_sources):
        inputs_of[products[j % n_source_aligned]].append(s)
    for p in products:
        for q in inputs_of[p]:
            needed.add(q)
    for i, p in enumerate(products):
        if p not in needed:
            uc = usecases[i % len(usecases)]
            listed[uc].append(p)
            needed.add(p)
            # Its inputs are needed now too.
    pii = {s for k, s in enumerate(sources) if k % 10 == 0}
    for i, s in enumerate(sources):
        add(f"sources/{s}.yaml", f"""kind: Source
id: {s}
name: {title(rng, 3)}
system: {title(rng, 1)} system
sensitivity: {"pii" if s in pii else rng.choice(["none", "internal"])}
""")
    for i, p in enumerate(products):
        kind = "sourceAligned" if i < n_source_aligned else "aggregate" if i < n_source_aligned + n_aggregate else "consumerAligned"
        consumer = consumers[i % len(consumers)]
        add(f"data-products/{p}.yaml", f"""kind: DataProduct
id: {p}
name: {title(rng, 3)}
owner: {title(rng, 2)} data team
domain: {rng.choice(WORDS)}
type: {kind}
status: active
inputs: [{", ".join(inputs_of[p])}]
description: |
{markdown(rng)}outputPorts:
  - name: {rng.choice(WORDS)}_{i}
    type: table
usagePatterns:
  - consumer: {consumer}
    frequency: daily
    updateCadence: hourly
    requirements:
      freshness: 24h
      completeness: 99
slos:
  - category: dataQuality
    property: freshness
    target: 1h
  - category: architecture
    property: availability
    target: 99.5
    unit: percent
  - category: governance
    property: access
    target: role-based access, reviewed quarterly
measures:
  - name: {rng.choice(WORDS)}_total
    definition: {words(rng, 5)}
dimensions:
  - name: {rng.choice(WORDS)}
""")
    for i, uc in enumerate(usecases):
        link = f"hypotheses: [{hypotheses[i % len(hypotheses)]}]"
        add(f"use-cases/{uc}.yaml", f"""kind: UseCase
id: {uc}
name: {title(rng, 4)}
priority: {rng.choice(["must", "should", "could"])}
{link}
consumers: [{consumers[i % len(consumers)]}]
dataProducts: [{", ".join(sorted(set(listed[uc])))}]
description: |
{markdown(rng)}""")
    for c in consumers:
        add(f"consumers/{c}.yaml", f"""kind: Consumer
id: {c}
name: {title(rng, 3)}
type: {rng.choice(["human", "system"])}
role: {words(rng, 4)}
needs:
  - {words(rng, 5)}
""")
    if rows:
        measurements(rng, goals, rows, add)
    for path, text in files:
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    print(f"{sum(not p.endswith('.csv') for p, _ in files)} entities in {out}")


if __name__ == "__main__":
    main()
