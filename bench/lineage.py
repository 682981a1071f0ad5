#!/usr/bin/env python3
"""Catalog and lineage benchmarks (docs/benchmarks.md, "Catalog and lineage").

    python3 bench/lineage.py workspace 10000 /tmp/l10k
        a generated workspace of about N specs (bench/generate.py) whose ports
        and sources carry `dataset: {namespace, name}`
    python3 bench/lineage.py events /tmp/l10k 1000000 /tmp/l10k-1m.jsonl
        COUNT OpenLineage run events over that workspace's products, one a
        line as the file transport writes them: for each product a START and
        a COMPLETE run (its job reads its inputs' datasets and writes its
        port's), with the schema and job-type facets a real integration sends;
        about 1 KB a line, so a million events is about 1 GB

    T=target/release/throughline
    python3 bench/ab.py -n 11 --vs "$T export openlineage /tmp/l10k --out /tmp/o.jsonl --event-time 2026-12-01T00:00:00Z" \\
        -- $T export backstage /tmp/l10k --out /tmp/b.yaml
    /usr/bin/time -v $T check /tmp/l10k --lineage /tmp/l10k-1m.jsonl
"""

import json
import os
import re
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))


def workspace(n, out):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(here, "generate.py"), str(n), out],
                   check=True, stdout=subprocess.DEVNULL)
    for name in os.listdir(os.path.join(out, "data-products")):
        path = os.path.join(out, "data-products", name)
        text = open(path).read()
        pid = re.search(r"^id: (\S+)", text, re.M).group(1)
        head, ports, rest = re.match(r"([\s\S]*?^outputPorts:\n)((?:  .*\n)*)([\s\S]*)", text, re.M).groups()
        ports = re.sub(r"^  - name: (\S+)$",
                       lambda m: f"{m.group(0)}\n    dataset: {{namespace: \"snowflake://acme\", name: analytics.{pid}.{m.group(1)}}}",
                       ports, flags=re.M)
        text = head + ports + rest
        open(path, "w").write(text)
    for name in os.listdir(os.path.join(out, "sources")):
        path = os.path.join(out, "sources", name)
        sid = name[: -len(".yaml")]
        with open(path, "a") as f:
            f.write(f"dataset: {{namespace: \"postgres://shop-db:5432\", name: shop.public.{sid}}}\n")


def events(ws, count, out):
    ports, inputs = {}, {}
    for name in os.listdir(os.path.join(ws, "data-products")):
        text = open(os.path.join(ws, "data-products", name)).read()
        pid = re.search(r"^id: (\S+)", text, re.M).group(1)
        ports[pid] = re.findall(r"dataset: \{namespace: \"(\S+)\", name: (\S+)\}", text)
        inputs[pid] = re.search(r"^inputs: \[(.*)\]", text, re.M).group(1).split(", ")
    def datasets(i):
        if i in ports:
            return ports[i]
        return [("postgres://shop-db:5432", f"shop.public.{i}")]
    products = sorted(ports, key=lambda p: int(re.sub(r"\D", "", p) or 0))
    fields = [{"name": f"column_{k}", "type": "VARCHAR"} for k in range(4)]
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.40.0/integration/airflow"
    with open(out, "w") as f:
        for n in range(count):
            pid = products[(n // 2) % len(products)]
            kind = "START" if n % 2 == 0 else "COMPLETE"
            ins = [d for i in inputs[pid] if i for d in datasets(i)]
            event = {
                "eventType": kind,
                "eventTime": f"2026-12-01T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}.000Z",
                "run": {"runId": f"01937f6a-{n // 65536 % 65536:04x}-7000-8000-{n:012x}"},
                "job": {"namespace": "airflow", "name": f"dags.{pid}.build",
                        "facets": {"jobType": {"_producer": producer, "_schemaURL": "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
                                               "processingType": "BATCH", "integration": "AIRFLOW", "jobType": "TASK"}}},
                "inputs": [{"namespace": ns, "name": name} for ns, name in ins],
                "outputs": [{"namespace": ns, "name": name,
                             "facets": {"schema": {"_producer": producer, "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                                                   "fields": fields}}} for ns, name in ports[pid]],
                "producer": producer,
                "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            }
            f.write(json.dumps(event, separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "workspace":
        workspace(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "events":
        events(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
