# SPDX-License-Identifier: BSD-2-Clause
"""The micro-benchmarks (bench/micro, Google Benchmark) run from the harness.

Only a Release build measures anything meaningful; the report prints the build type next to
the numbers. Each benchmark reports items_per_second (packets per second on one core) and, where
it counts them, allocs_per_packet.
"""

import json
import os
import subprocess


def _build_type(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip() or "(none)"
    except FileNotFoundError:
        pass
    return "?"


def run(build, smoke, log):
    binary = os.path.join(build, "bench", "micro", "annotator_benchmark")
    if not os.access(binary, os.X_OK):
        log("micro-benchmarks: not built (libbenchmark-dev missing?)")
        return {"error": f"{binary} is not built"}
    argv = ["taskset", "-c", "1", binary, "--benchmark_format=json"]
    if smoke:
        argv.append("--benchmark_min_time=0.01")
    else:
        argv += ["--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"]
    r = subprocess.run(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=900)
    if r.returncode != 0:
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-300:]}"}
    data = json.loads(r.stdout)
    rows = []
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        row = {"name": name, "items_per_second": b.get("items_per_second"),
               "real_time_ns": b.get("real_time")}
        for key, value in b.items():
            if key.endswith("per_packet") or key in ("bytes_per_second",):
                row[key] = value
        rows.append(row)
    log(f"micro-benchmarks: {len(rows)} results")
    return {"build_type": _build_type(build), "context": data.get("context", {}),
            "rows": rows}
