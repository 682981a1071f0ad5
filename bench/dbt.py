#!/usr/bin/env python3
"""A generated workspace of about N specs over a dbt project of MODELS models,
for timing `check` with `[dbt]` (docs/benchmarks.md, "dbt").

The manifest is scaled up from the real one in tests/dbt/shop/target (dbt
1.11, DuckDB): every node is a copy of a real model, test or source node with
its names, paths, code and dependencies rewritten, and the real macros, docs
and metadata are kept. Each data product's port is a model reading staging
models (one per source) or the models of its input products, through
intermediate models no spec names; each model has a `unique` and a
`not_null` test. Run results (every node passing but one test in 50) and
source freshness (every source fresh) are written beside it.

    python3 bench/generate.py 10000 /tmp/d10k   # done by this script
    python3 bench/dbt.py 10000 5000 /tmp/d10k
    T=target/release/throughline
    python3 bench/ab.py -n 11 --vs "$T check /tmp/d10k-nodbt" -- $T check /tmp/d10k
    /usr/bin/time -v $T check /tmp/d10k    # peak memory ("Maximum resident set size")

usage: bench/dbt.py N MODELS OUT_DIR   (writes OUT_DIR and OUT_DIR-nodbt)
"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
shop = os.path.join(here, "..", "tests", "dbt", "shop", "target")


def main():
    n, models, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    for d in (out, out + "-nodbt"):
        shutil.rmtree(d, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(here, "generate.py"), str(n), out],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(out, out + "-nodbt")

    real = json.load(open(os.path.join(shop, "manifest.json")))
    model_t = real["nodes"]["model.shop.orders"]
    test_t = real["nodes"]["test.shop.unique_orders_order_id.fed79b3a6e"]
    source_t = real["sources"]["source.shop.raw.orders"]

    # The products and their inputs, from the generated specs.
    products, sources = {}, []
    number = lambda name: int(re.sub(r"\D", "", name) or 0)
    for name in sorted(os.listdir(os.path.join(out, "data-products")), key=number):
        text = open(os.path.join(out, "data-products", name)).read()
        pid = re.search(r"^id: (\S+)", text, re.M).group(1)
        inputs = re.search(r"^inputs: \[(.*)\]", text, re.M).group(1).split(", ")
        products[pid] = [i for i in inputs if i]
    for name in sorted(os.listdir(os.path.join(out, "sources"))):
        sources.append(name[: -len(".yaml")])

    nodes, srcs, parent_map = {}, {}, {}

    def model(name, parents):
        uid = f"model.bench.{name}"
        node = copy.deepcopy(model_t)
        node.update(unique_id=uid, name=name, alias=name, package_name="bench",
                    path=f"marts/{name}.sql", original_file_path=f"models/marts/{name}.sql",
                    fqn=["bench", "marts", name], relation_name=f'"bench"."main"."{name}"',
                    raw_code=f"select * from {{{{ ref('{name}') }}}}",
                    compiled_code=f'select * from "bench"."main"."{name}"')
        node["depends_on"] = {"macros": [], "nodes": parents}
        node["refs"] = [{"name": p.split(".")[-1], "package": None, "version": None} for p in parents]
        nodes[uid] = node
        parent_map[uid] = parents
        for test in ("unique", "not_null"):
            tid = f"test.bench.{test}_{name}_id.{len(nodes):010x}"
            t = copy.deepcopy(test_t)
            t.update(unique_id=tid, name=f"{test}_{name}_id", package_name="bench",
                     attached_node=uid, fqn=["bench", "marts", f"{test}_{name}_id"])
            t["depends_on"] = {"macros": [], "nodes": [uid]}
            t["test_metadata"] = {"name": test, "kwargs": {"column_name": "id"}, "namespace": None}
            nodes[tid] = t
            parent_map[tid] = [uid]
        return uid

    for s in sources:
        uid = f"source.bench.raw.{s}"
        node = copy.deepcopy(source_t)
        node.update(unique_id=uid, name=s, identifier=s, package_name="bench",
                    fqn=["bench", "raw", s], relation_name=f'"bench"."raw"."{s}"')
        srcs[uid] = node
        parent_map[uid] = []
    staging = {s: model(f"stg_{s.replace('-', '_')}", [f"source.bench.raw.{s}"]) for s in sources}
    # Intermediate models between each port and what it reads, enough to
    # reach MODELS models in all.
    spare = max(0, models - len(sources) - len(products))
    per_product, extra = divmod(spare, max(1, len(products)))
    port_of = {}
    for j, (pid, inputs) in enumerate(products.items()):  # in file order: inputs first
        parents = [staging[i] if i in staging else port_of[i] for i in inputs if i in staging or i in port_of]
        base = pid.replace("-", "_")
        for k in range(per_product + (j < extra)):
            parents = [model(f"int_{base}_{k}", parents)]
        port_of[pid] = model(base, parents)
    child_map = {}
    for child, parents in parent_map.items():
        child_map.setdefault(child, [])
        for p in parents:
            child_map.setdefault(p, []).append(child)
    manifest = dict(real)
    manifest["metadata"] = dict(real["metadata"], project_name="bench")
    manifest.update(nodes=nodes, sources=srcs, exposures={}, parent_map=parent_map, child_map=child_map)
    target = os.path.join(out, "dbt", "target")
    os.makedirs(target)
    with open(os.path.join(target, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    results = [{"unique_id": uid, "status": ("fail" if i % 50 == 0 else "pass") if uid.startswith("test.") else "success",
                "message": None, "failures": 0, "execution_time": 0.01, "thread_id": "Thread-1",
                "timing": [], "adapter_response": {}, "compiled": True, "relation_name": None,
                "batch_results": None} for i, uid in enumerate(nodes)]
    with open(os.path.join(target, "run_results.json"), "w") as f:
        json.dump({"metadata": json.load(open(os.path.join(shop, "run_results.json")))["metadata"],
                   "results": results, "elapsed_time": 1.0, "args": {}}, f)
    fresh = [{"unique_id": uid, "status": "pass", "max_loaded_at": "2026-12-01T00:00:00+00:00",
              "snapshotted_at": "2026-12-01T00:10:00+00:00", "max_loaded_at_time_ago_in_s": 600.0,
              "criteria": {}, "thread_id": "Thread-1", "execution_time": 0.01, "timing": [],
              "adapter_response": {}} for uid in srcs]
    with open(os.path.join(target, "sources.json"), "w") as f:
        json.dump({"metadata": json.load(open(os.path.join(shop, "sources.json")))["metadata"],
                   "results": fresh, "elapsed_time": 1.0}, f)

    # The specs name their models and sources.
    for pid in products:
        path = os.path.join(out, "data-products", pid + ".yaml")
        text = open(path).read().replace("    type: table\n", f"    type: table\n    dbt: {pid.replace('-', '_')}\n", 1)
        open(path, "w").write(text)
    for s in sources:
        with open(os.path.join(out, "sources", s + ".yaml"), "a") as f:
            f.write(f"dbt: raw.{s}\n")
    with open(os.path.join(out, "throughline.toml"), "a") as f:
        f.write('\n[dbt]\nmanifest = "dbt/target/manifest.json"\nrun-results = "dbt/target/run_results.json"\n'
                'sources = "dbt/target/sources.json"\n')
    size = os.path.getsize(os.path.join(target, "manifest.json"))
    total = sum(1 for u in nodes if u.startswith("model."))
    print(f"{out}: {len(products)} products, {len(sources)} sources; manifest {size / 1e6:.1f} MB, "
          f"{total} models, {len(nodes) - total} tests")


main()
