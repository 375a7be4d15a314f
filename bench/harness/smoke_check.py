# SPDX-License-Identifier: BSD-2-Clause
"""The smoke run's assertions: every tool that ran wrote a file capinfos could read, with
packets in it, without an error; the ceiling ran; and RESULTS.md was written. Numbers are not
judged here (a few thousand packets on a busy CI machine say nothing about performance)."""

import json
import os
import sys


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    failures = []
    rows = results["trials"] + results["burst"]
    ran = {r["tool"] for r in results["trials"]}
    for key, meta in results["tools"].items():
        if not meta["missing"] and key not in ran:
            failures.append(f"{key}: never ran")
    for r in rows:
        name = f"{r.get('traffic', 'burst')} {r.get('burst') or r['tool']}"
        if r.get("error"):
            failures.append(f"{name}: {r['error']}")
        elif not r.get("captured"):
            failures.append(f"{name}: no packets in its file")
        elif r.get("file", {}).get("truncated"):
            failures.append(f"{name}: the file ends inside a record")
    if not any(c["reader"] == "dumpcap" and c.get("captured") for c in results["ceiling"]):
        failures.append("ceiling: dumpcap read nothing from the FIFO")
    report = os.path.join(out, "RESULTS.md")
    if not os.path.exists(report) or os.path.getsize(report) < 200:
        failures.append(f"{report} was not written")
    for line in failures:
        print(f"FAIL bench smoke: {line}")
    print(f"bench smoke: {len(rows)} runs, {len(ran)} tools, "
          f"{'FAIL' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
