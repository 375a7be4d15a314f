# SPDX-License-Identifier: BSD-2-Clause
"""The benchmark runner: every tool on the same offered loads, alternated, in one run.

    main.py --build DIR --out DIR [--smoke] [--generator auto|xdp|packet] [--reps N]
            [--tools KEY,KEY...] [--no-micro]

For each traffic kind and offered rate, repetition by repetition, every tool runs once, in an
order rotated each repetition (A B C, B C A, ...), so drift of the machine during the run falls
on all tools alike. Then the burst test, the FIFO ceiling of Wireshark's extcap path and the
micro-benchmarks. Everything measured goes to OUT/results.json; OUT/RESULTS.md and the plot are
generated from it (report.py). See bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import ceiling
import load as loadmod
import micro
import report
import testbed
import tools as toolsmod
import trial

# The matrix. Rates in packets per second; 0 = as fast as the generator goes.
FULL = {
    "buffer_mib": 8,
    "reps": 3,
    "traffic": [
        {"name": "64 B", "size": 64, "count": 1_000_000,
         "rates": [250_000, 500_000, 1_000_000, 2_000_000, 0]},
        {"name": "1514 B", "size": 1514, "count": 300_000, "rates": [100_000, 250_000, 0]},
        {"name": "mix", "size": 64, "count": 500_000, "rates": [250_000],
         "tcp_flows": 4, "tcp_bytes": 50_000_000},
    ],
    "burst": {"count": 1_000_000, "size": 64, "ringdump_buffer_mib": 512},
    "ceiling": {"count": 1_000_000, "sizes": [64, 1514]},
}
SMOKE = {
    "buffer_mib": 8,
    "reps": 1,
    "traffic": [
        {"name": "64 B", "size": 64, "count": 20_000, "rates": [100_000]},
        {"name": "mix", "size": 64, "count": 10_000, "rates": [50_000],
         "tcp_flows": 1, "tcp_bytes": 2_000_000},
    ],
    "burst": {"count": 30_000, "size": 64, "ringdump_buffer_mib": 64},
    "ceiling": {"count": 30_000, "sizes": [64]},
}


def log(text):
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def prepare_extcap(ringdump, folder):
    """A Wireshark configuration folder whose extcap/ holds ringdump (tshark -i ringdump-IF)."""
    os.makedirs(os.path.join(folder, "extcap"), exist_ok=True)
    shutil.copy2(ringdump, os.path.join(folder, "extcap", "ringdump"))
    return folder


def versions(build):
    def first_line(argv):
        try:
            r = subprocess.run(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=10)
            # tshark warns about running as root before it says what it is.
            return next((l.strip() for l in r.stdout.splitlines()
                         if l.strip() and not l.startswith("Running as user")), "?")
        except (OSError, subprocess.TimeoutExpired):
            return "not installed"
    return {
        "ringdump": first_line([os.path.join(build, "extcap", "ringdump"), "--version"]),
        "dumpcap": first_line(["dumpcap", "--version"]),
        "tshark": first_line(["tshark", "--version"]),
        "tcpdump": first_line(["tcpdump", "--version"]),
        "netsniff-ng": first_line(["netsniff-ng", "--version"]),
    }


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "date": datetime.datetime.now().isoformat(" ", "minutes")}


def pick_generator(build, wanted):
    xdp = os.path.join(build, "bench", "tools", "rdxdpgen")
    packet = os.path.join(build, "tests", "rdgen")
    if wanted in ("auto", "xdp") and os.access(xdp, os.X_OK):
        return loadmod.Generator("xdp", xdp)
    if wanted == "xdp":
        sys.exit(f"bench: {xdp} is not built (configure with clang and libbpf present)")
    if not os.access(packet, os.X_OK):
        sys.exit(f"bench: {packet} is not built; build the tests first")
    return loadmod.Generator("packet", packet)


def offer(gen, traffic, rate, rdrelay):
    """A callable for trial.run that sends one load."""
    def send():
        flows = None
        if traffic.get("tcp_flows"):
            flows = loadmod.TcpFlows(rdrelay, traffic["tcp_flows"], traffic["tcp_bytes"])
            flows.start_receivers()
            flows.start_senders()
        sent = gen.run(traffic["count"], rate, traffic["size"])
        if flows and not flows.wait():
            raise RuntimeError("a TCP flow of the mix failed")
        return sent
    return send


def run_matrix(cfg, tools, gens, work, rdrelay, results):
    for traffic in cfg["traffic"]:
        # Real TCP flows need GRO off at the capture end (else the capture sees GRO's merged
        # super-packets, not segments), and the XDP generator needs it on: the mix uses the
        # AF_PACKET generator.
        gen = gens["packet"] if traffic.get("tcp_flows") else gens["main"]
        testbed.set_offloads(gro=gen.kind == "xdp" if gens["gro"] is None else gens["gro"])
        traffic["generator"] = gen.kind
        for rate in traffic["rates"]:
            for rep in range(cfg["reps"]):
                order = tools[rep % len(tools):] + tools[:rep % len(tools)]
                base = trial.baseline(offer(gen, traffic, rate, rdrelay))
                base.update({"traffic": traffic["name"], "rate": rate, "rep": rep})
                results["baseline"].append(base)
                for tool in order:
                    if tool.udp_only and traffic.get("tcp_flows"):
                        continue
                    out = os.path.join(work, f"{tool.key}.{tool.fmt}")
                    row = trial.run(tool, out, offer(gen, traffic, rate, rdrelay))
                    row.update({"traffic": traffic["name"], "rate": rate, "rep": rep,
                                "label": tool.label})
                    results["trials"].append(row)
                    log(f"{traffic['name']} rate {rate or 'max'} rep {rep + 1} {tool.key}: "
                        f"offered {row.get('offered')} captured {row.get('captured')}"
                        f"{' ERROR ' + row['error'] if row['error'] else ''}")
                    for f in (out, out + ".stderr"):
                        if os.path.exists(f):
                            os.unlink(f)


def run_burst(cfg, ringdump, extcap_cfg, gen, work, results):
    """A burst larger than dumpcap's default kernel buffer (2 MiB) and smaller than the ring
    ringdump is given, through Wireshark's path, flat out: the fraction that survives."""
    b = cfg["burst"]
    ws_tools = toolsmod.make_tools(ringdump, extcap_cfg, b["ringdump_buffer_mib"])
    by_key = {t.key: t for t in ws_tools}
    same = toolsmod.make_tools(ringdump, extcap_cfg, b["ringdump_buffer_mib"])
    default = toolsmod.make_tools(ringdump, extcap_cfg, 2)
    rows = [("rd_wireshark", by_key["rd_wireshark"],
             f"tshark -i ringdump-IF, ring {b['ringdump_buffer_mib']} MiB"),
            ("tshark_default", {t.key: t for t in default}["tshark"],
             "tshark -i IF (dumpcap), default 2 MiB buffer"),
            ("tshark_same", {t.key: t for t in same}["tshark"],
             f"tshark -i IF (dumpcap), -B {b['ringdump_buffer_mib']}")]
    traffic = {"size": b["size"], "count": b["count"]}
    for rep in range(results["config"]["reps"]):
        for key, tool, label in rows:
            if tool.missing():
                continue
            out = os.path.join(work, f"burst-{key}.pcapng")
            row = trial.run(tool, out, offer(gen, traffic, 0, None), drain_limit_s=300)
            row.update({"burst": key, "label": label, "rep": rep})
            results["burst"].append(row)
            log(f"burst {key} rep {rep + 1}: offered {row.get('offered')} captured "
                f"{row.get('captured')}{' ERROR ' + row['error'] if row['error'] else ''}")
            for f in (out, out + ".stderr"):
                if os.path.exists(f):
                    os.unlink(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--generator", default="auto", choices=["auto", "xdp", "packet"])
    ap.add_argument("--reps", type=int)
    ap.add_argument("--tools", help="comma-separated tool keys (default: all)")
    ap.add_argument("--no-micro", action="store_true")
    ap.add_argument("--sizes", help="frame sizes, comma-separated: replaces the matrix's "
                    "traffic with plain UDP loads (e.g. 64,1514)")
    ap.add_argument("--rates", help="with --sizes: rates in packets/s, comma-separated, 0 = flat out")
    ap.add_argument("--count", type=int, help="with --sizes: frames per run")
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out: burst, ceiling")
    ap.add_argument("--mtu", type=int, default=1500, help="MTU of the veth pair")
    ap.add_argument("--gro", choices=["auto", "on", "off"], default="auto",
                    help="GRO at the capture end (auto: on only for the XDP generator)")
    ap.add_argument("--rx-queues", type=int, default=1, help="receive queues of the veth pair")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (network namespaces, packet sockets); run it with sudo")
    cfg = json.loads(json.dumps(SMOKE if args.smoke else FULL))
    if args.reps:
        cfg["reps"] = args.reps
    if args.sizes:
        rates = [int(r) for r in (args.rates or "0").split(",")]
        cfg["traffic"] = [{"name": f"{size} B", "size": int(size),
                           "count": args.count or 1_000_000, "rates": rates}
                          for size in args.sizes.split(",")]
    build = os.path.abspath(args.build)
    ringdump = os.path.join(build, "extcap", "ringdump")
    rdrelay = os.path.join(build, "tests", "rdrelay")
    for path in (ringdump, rdrelay):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} is not built")
    os.makedirs(args.out, exist_ok=True)
    gen = pick_generator(build, args.generator)
    # Output files live in RAM: the comparison is about capture, not about this VM's disk.
    work = tempfile.mkdtemp(prefix="ringdump-bench.", dir="/dev/shm")
    extcap_cfg = prepare_extcap(ringdump, os.path.join(work, "wireshark"))
    tools = toolsmod.make_tools(ringdump, extcap_cfg, cfg["buffer_mib"])
    if args.tools:
        keep = args.tools.split(",")
        tools = [t for t in tools if t.key in keep]
    results = {"config": cfg, "smoke": args.smoke, "generator": gen.kind,
               "machine": machine(), "versions": versions(build),
               "tools": {t.key: {"label": t.label, "note": t.note, "missing": t.missing()}
                         for t in tools},
               "trials": [], "baseline": [], "burst": [], "ceiling": [], "micro": None}
    present = [t for t in tools if not t.missing()]
    for t in tools:
        if t.missing():
            log(f"{t.key}: skipped, {', '.join(t.missing())} not installed")
    started = time.monotonic()
    try:
        # GRO on at the capture end only when the XDP generator needs it (testbed.up).
        gro = gen.kind == "xdp" if args.gro == "auto" else args.gro == "on"
        testbed.up(mtu=args.mtu, gro=gro, rx_queues=args.rx_queues)
        results["testbed"] = {"mtu": args.mtu, "gro": gro, "rx_queues": args.rx_queues}
        log(f"testbed up; generator {gen.kind}; {len(present)} tools; reps {cfg['reps']}")
        gens = {"main": gen, "packet": pick_generator(build, "packet"),
                "gro": None if args.gro == "auto" else args.gro == "on"}
        run_matrix(cfg, present, gens, work, rdrelay, results)
        testbed.set_offloads(gro)
        skip = args.skip.split(",")
        if "burst" not in skip:
            run_burst(cfg, ringdump, extcap_cfg, gen, work, results)
        if "ceiling" not in skip:
            results["ceiling"] = ceiling.run(cfg["ceiling"], ringdump, gen, work, log)
    finally:
        testbed.down()
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_micro:
        results["micro"] = micro.run(build, args.smoke, log)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    report.write(results, args.out)
    log(f"report: {os.path.join(args.out, 'RESULTS.md')} ({results['elapsed_s']} s)")


if __name__ == "__main__":
    main()
