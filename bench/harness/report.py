# SPDX-License-Identifier: BSD-2-Clause
"""RESULTS.md and the plot, generated from results.json (never edited by hand).

Per tool, traffic kind and offered rate: medians with min-max over the repetitions. Ratios to
tcpdump and dumpcap are taken pair by pair inside each repetition (same load, minutes apart at
most) and then the median of those ratios is reported, so drift between repetitions cancels.
CPU per packet is the tool's CPU time while the load ran and drained, divided by the packets it
wrote; for a tool made of several processes (tshark + dumpcap, tshark + dumpcap + ringdump) it is
their sum, with the split shown. A pipe's reader (cat) is not charged to the writer.
"""

import os
import shutil
import statistics
import subprocess
import tempfile

NOT_THE_TOOL = {"cat", "sh", "taskset", "env", "timeout"}
PEERS = ("tcpdump", "dumpcap")


def cpu_of(row):
    cpu = row.get("cpu_ns") or {}
    return sum(v for k, v in cpu.items() if k not in NOT_THE_TOOL)


def per_packet(row):
    captured = row.get("captured") or 0
    return cpu_of(row) / captured if captured else None


def loss_pct(row):
    offered, captured = row.get("offered"), row.get("captured")
    if not offered or captured is None:
        return None
    return max(0.0, 100.0 * (offered - captured) / offered)


def unaccounted(row):
    """Offered packets that are neither in the file nor in any drop counter."""
    if row.get("offered") is None or row.get("captured") is None:
        return None
    tool = (row.get("kernel_drops") or 0) + (row.get("tool_drops") or 0)
    stack = row.get("stack_drops") or 0
    # AF_XDP: the veth's rx_dropped and the socket's counters are the same drops.
    counted = max(tool, stack) if row.get("stack_counts_tool_drops") else tool + stack
    return row["offered"] - row["captured"] - counted


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def span(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    m = fmt(statistics.median(values))
    if len(values) == 1 or min(values) == max(values):
        return m
    return f"{m} ({fmt(min(values))}–{fmt(max(values))})"


def cell(text):
    """Text for a Markdown table cell (a pipe in a command line would end the cell)."""
    return text.replace("|", "\\|")


def f_pct(v):
    return f"{v:.2f}" if v >= 0.01 or v == 0 else f"{v:.3f}"


def f_int(v):
    return f"{v:,.0f}"


def f_ratio(v):
    return f"{v:.2f}×"


def group(trials):
    out = {}
    for row in trials:
        out.setdefault((row["traffic"], row["rate"]), {}).setdefault(row["tool"], []).append(row)
    return out


def kernel_per_packet(row, baselines):
    """CPU the generator's core spent beyond the no-capture baseline of the same load and
    repetition, per offered packet: mostly the kernel copying into the tool's socket."""
    base = baselines.get((row["traffic"], row["rate"], row["rep"]))
    if not base or not row.get("offered") or row.get("gen_cpu_busy_ns") is None:
        return None
    return (row["gen_cpu_busy_ns"] - base["gen_cpu_busy_ns"]) / row["offered"]


def pair_ratios(rows_by_tool, tool, peer):
    by_rep = {r["rep"]: r for r in rows_by_tool.get(peer, [])}
    ratios = []
    for r in rows_by_tool.get(tool, []):
        p = by_rep.get(r["rep"])
        a, b = per_packet(r), per_packet(p) if p else None
        if a and b:
            ratios.append(a / b)
    return ratios


def rate_label(rate):
    return "flat out" if rate == 0 else f"{rate / 1e6:g} Mpps"


def split_text(rows):
    names = {}
    for r in rows:
        captured = r.get("captured") or 0
        for name, ns in (r.get("cpu_ns") or {}).items():
            if name not in NOT_THE_TOOL and captured:
                names.setdefault(name, []).append(ns / captured)
    if len(names) < 2:
        return ""
    return " (" + " + ".join(f"{n} {statistics.median(v):.0f}" for n, v in sorted(names.items())) + ")"


def matrix_tables(results, lines):
    tools = results["tools"]
    groups = group(results["trials"])
    baselines = {(b["traffic"], b["rate"], b["rep"]): b for b in results.get("baseline", [])}
    traffic_order = [t["name"] for t in results["config"]["traffic"]]
    for traffic in traffic_order:
        keys = sorted((k for k in groups if k[0] == traffic), key=lambda k: (k[1] == 0, k[1]))
        if not keys:
            continue
        t_cfg = next(t for t in results["config"]["traffic"] if t["name"] == traffic)
        extra = ""
        generator = t_cfg.get("generator", results["generator"])
        if t_cfg.get("tcp_flows"):
            extra = (f", plus {t_cfg['tcp_flows']} TCP flows of {t_cfg['tcp_bytes'] / 1e6:g} MB "
                     "each (real sockets, every byte checked)")
        lines += [f"### {traffic} frames{extra}", "",
                  f"{t_cfg['count']:,} UDP frames per run ({generator} generator); kernel buffer "
                  f"{results['config']['buffer_mib']} MiB for every tool.", ""]
        lines += ["| offered (target) | tool | offered, pps | loss % | drops: kernel / tool / stack "
                  "| unaccounted | CPU ns/packet | ×tcpdump | ×dumpcap | kernel ns/packet | peak RSS MiB "
                  "| notes |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for key in keys:
            rows_by_tool = groups[key]
            for tool_key, rows in rows_by_tool.items():
                errors = sorted({r["error"] for r in rows if r.get("error")})
                rss = [sum((r.get("rss_kib") or {}).get(n, 0) for n in r.get("rss_kib") or {}
                           if n not in NOT_THE_TOOL) / 1024 for r in rows]
                drops = "{} / {} / {}".format(
                    span([r.get("kernel_drops") for r in rows], f_int),
                    span([r.get("tool_drops") for r in rows], f_int),
                    span([r.get("stack_drops") for r in rows], f_int))
                ratios = [span(pair_ratios(rows_by_tool, tool_key, p), f_ratio)
                          if tool_key != p else "1" for p in PEERS]
                lines.append("| {} | {} | {} | {} | {} | {} | {}{} | {} | {} | {} | {} | {} |".format(
                    rate_label(key[1]), cell(tools[tool_key]["label"]),
                    span([r.get("offered") / max(r.get("send_s") or 1, 1e-9)
                          if r.get("offered") else None for r in rows], f_int),
                    span([loss_pct(r) for r in rows], f_pct),
                    drops,
                    span([unaccounted(r) for r in rows], f_int),
                    span([per_packet(r) for r in rows], f_int), split_text(rows),
                    ratios[0], ratios[1],
                    span([kernel_per_packet(r, baselines) for r in rows], f_int),
                    span(rss, lambda v: f"{v:.0f}"),
                    "; ".join(e[:120] for e in errors)))
        lines.append("")


def plot(results, out_dir):
    """loss % and CPU ns/packet against offered load, one line per tool, one row per frame size
    with a rate ladder. Returns the PNG's file name or None."""
    if shutil.which("gnuplot") is None:
        return None
    groups = group(results["trials"])
    kinds = [t["name"] for t in results["config"]["traffic"] if len(t["rates"]) > 1]
    if not kinds:
        kinds = [t["name"] for t in results["config"]["traffic"]][:1]
    data_dir = tempfile.mkdtemp(prefix="ringdump-plot.")
    script = ["set terminal pngcairo size 1400,{} font 'sans,10'".format(560 * len(kinds)),
              f"set output '{os.path.join(out_dir, 'results.png')}'",
              f"set multiplot layout {len(kinds)},2", "set key below font ',8'",
              "set grid", "set datafile separator '\\t'", "set xlabel 'offered, Mpps'"]
    for kind in kinds:
        files = []
        for tool_key, meta in results["tools"].items():
            pts = []
            for (traffic, rate), rows_by_tool in groups.items():
                rows = rows_by_tool.get(tool_key, [])
                if traffic != kind or not rows:
                    continue
                offered = med([r.get("offered") / r["send_s"] if r.get("offered") and
                               r.get("send_s") else None for r in rows])
                loss, cpp = med([loss_pct(r) for r in rows]), med([per_packet(r) for r in rows])
                if offered is not None:
                    pts.append((offered / 1e6, loss if loss is not None else float("nan"),
                                cpp if cpp is not None else float("nan")))
            if not pts:
                continue
            path = os.path.join(data_dir, f"{kind.replace(' ', '')}-{tool_key}.tsv")
            with open(path, "w") as f:
                for p in sorted(pts):
                    f.write("{}\t{}\t{}\n".format(*p))
            files.append((path, meta["label"].replace("'", "")))
        for col, ylabel in ((2, "loss %"), (3, "CPU ns per packet (tool)")):
            script.append(f"set title '{kind} frames: {ylabel}'")
            script.append(f"set ylabel '{ylabel}'")
            # CPU spans 100 ns (tcpdump) to 5 µs (dumpcap reading a FIFO): a log scale.
            script.append("set logscale y" if col == 3 else "unset logscale y")
            script.append("plot " + ", ".join(
                f"'{p}' using 1:{col} with linespoints title '{t}'" for p, t in files))
    script.append("unset multiplot")
    r = subprocess.run(["gnuplot"], input="\n".join(script), text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shutil.rmtree(data_dir, ignore_errors=True)
    if r.returncode != 0:
        return None
    return "results.png"


def burst_table(results, lines):
    if not results["burst"]:
        return
    b = results["config"]["burst"]
    lines += ["## Burst through Wireshark's path", "",
              f"{b['count']:,} frames of {b['size']} B flat out: more than dumpcap's default "
              f"kernel buffer (2 MiB) holds, less than the {b['ringdump_buffer_mib']} MiB ring "
              "ringdump is given. What survives:", "",
              "| path | offered | survived % | drops: kernel / tool | CPU ns/packet |",
              "|---|---|---|---|---|"]
    by_key = {}
    for r in results["burst"]:
        by_key.setdefault(r["burst"], []).append(r)
    for key, rows in by_key.items():
        lines.append("| {} | {} | {} | {} / {} | {}{} |".format(
            rows[0]["label"], span([r.get("offered") for r in rows], f_int),
            span([100 - loss_pct(r) if loss_pct(r) is not None else None for r in rows], f_pct),
            span([r.get("kernel_drops") for r in rows], f_int),
            span([r.get("tool_drops") for r in rows], f_int),
            span([per_packet(r) for r in rows], f_int), split_text(rows)))
    lines.append("")


def ceiling_table(results, lines):
    if not results["ceiling"]:
        return
    lines += ["## The extcap FIFO ceiling (dumpcap reading a pipe)", "",
              "Ready-made pcapng blocks streamed by `cat` into a FIFO; what the reader takes. "
              "Every extcap reaches Wireshark through `dumpcap -i FIFO`; nothing of ringdump is "
              "in this measurement.", "",
              "| frame | reader | packets | kpps | reader CPU ns/packet | captured |",
              "|---|---|---|---|---|---|"]
    for r in results["ceiling"]:
        lines.append("| {} B | {} | {:,} | {:,.0f} | {:,.0f} | {} |".format(
            r["size"], "`dumpcap -i FIFO -w FILE`" if r["reader"] == "dumpcap"
            else "`cat FIFO > /dev/null`", r["count"], r["pps"] / 1e3,
            r["cpu_ns_per_packet"], f"{r['captured']:,}" if r.get("captured") is not None
            else "—"))
    lines.append("")


def micro_table(results, lines):
    m = results.get("micro")
    if not m:
        return
    lines += ["## Micro-benchmarks (one core, bench/micro)", ""]
    if m.get("error"):
        lines += [f"Not run: {m['error']}", ""]
        return
    lines += [f"Build type: {m['build_type']}. Median of the repetitions.", "",
              "| benchmark | Mpps per core | allocations per packet |", "|---|---|---|"]
    for r in m["rows"]:
        ips = r.get("items_per_second")
        allocs = r.get("allocs_per_packet")
        lines.append("| `{}` | {} | {} |".format(
            r["name"], f"{ips / 1e6:.2f}" if ips else "—",
            f"{allocs:g}" if allocs is not None else "—"))
    lines.append("")


def targets(results):
    """The targets of the harness, each with what this run shows."""
    out = []
    groups = group(results["trials"])
    ladder = [k for k in groups if k[0] == "64 B"]
    if ladder:
        top = max(ladder, key=lambda k: (k[1] == 0, k[1]))
        rows = groups[top].get("rd_file", [])
        losses = [loss_pct(r) for r in rows]
        ratio = med(pair_ratios(groups[top], "rd_file", "tcpdump"))
        if rows:
            ok_loss = all(l == 0 for l in losses if l is not None) and None not in losses
            out.append(("Standalone annotated ringdump: 0 loss at the highest offered load "
                        f"({rate_label(top[1])}, 64 B)",
                        ok_loss, f"loss {span(losses, f_pct)} %"))
            if ratio is not None:
                out.append(("… with CPU per packet at most half of tcpdump's (pcap)",
                            ratio <= 0.5, f"{ratio:.2f}× tcpdump"))
            pipe = med(pair_ratios(groups[top], "rd_pipe", "tcpdump_pipe"))
            if pipe is not None:
                out.append(("… and the same into a pipe, where neither pays for the file "
                            "(ringdump → pipe against tcpdump → pipe)",
                            pipe <= 0.5, f"{pipe:.2f}× tcpdump"))
        xdp_rows = groups[top].get("rd_afxdp", [])
        if xdp_rows:
            offered = med([r["offered"] / r["send_s"] for r in xdp_rows
                           if r.get("offered") and r.get("send_s")])
            losses = [loss_pct(r) for r in xdp_rows]
            out.append(("AF_XDP: 0 loss at ≥ 4 Mpps offered, 64 B (annotated)",
                        bool(offered and offered >= 4e6) and
                        all(l == 0 for l in losses if l is not None) and None not in losses,
                        f"offered {offered / 1e6 if offered else 0:.2f} Mpps, loss "
                        f"{span(losses, f_pct)} %"))
    ceiling = next((c["pps"] for c in results["ceiling"]
                    if c["reader"] == "dumpcap" and c["size"] == 64), None)
    ws = [(k, r) for k, v in groups.items() for r in v.get("rd_wireshark", [])
          if k[0] == "64 B"]
    if ceiling and ws:
        below = [r for k, r in ws if r.get("offered") and r.get("send_s") and
                 r["offered"] / r["send_s"] < 0.8 * ceiling]
        if below:
            out.append((f"Through Wireshark, below the FIFO ceiling ({ceiling / 1e3:.0f} kpps): "
                        "0 loss", all(loss_pct(r) == 0 for r in below),
                        f"{len(below)} runs, worst loss "
                        f"{f_pct(max(loss_pct(r) or 0 for r in below))} %"))
        una = [unaccounted(r) for _, r in ws]
        out.append(("Through Wireshark, every packet not in the file is counted (epb_dropcount, ISB)",
                    all(u == 0 for u in una if u is not None) and None not in una,
                    f"unaccounted per run: {', '.join(str(u) for u in una)}"))
    burst = {}
    for r in results["burst"]:
        burst.setdefault(r["burst"], []).append(loss_pct(r))
    if "rd_wireshark" in burst:
        ours = burst["rd_wireshark"]
        theirs = burst.get("tshark_default", [])
        out.append(("Burst that fits ringdump's buffer: 0 loss through Wireshark's path "
                    "where dumpcap's own capture loses",
                    all(l == 0 for l in ours) and any((l or 0) > 0 for l in theirs),
                    f"ringdump {span(ours, f_pct)} % lost, dumpcap (default buffer) "
                    f"{span(theirs, f_pct)} % lost"))
    m = results.get("micro") or {}
    for r in m.get("rows", []):
        if r["name"].startswith(("BM_PcapngWriteEpbs", "BM_AnnotateRealisticMix")):
            ips = r.get("items_per_second") or 0
            allocs = r.get("allocs_per_packet")
            out.append((f"Micro `{r['name']}` ≥ 10 Mpps per core, 0 allocations per packet",
                        ips >= 10e6 and allocs == 0,
                        f"{ips / 1e6:.2f} Mpps, {allocs if allocs is not None else '?'} allocs"))
    return out


def write(results, out_dir):
    m, v = results["machine"], results["versions"]
    lines = ["# ringdump benchmark results", "",
             "Generated by `bench/run.sh`{} from `results.json`; do not edit by hand.".format(
                 " --smoke (a smoke run: tiny loads, numbers meaningless)" if results["smoke"]
                 else ""), "",
             "## Machine and tools", "",
             f"- {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Linux {m['kernel']}; "
             f"run {m['date']}, {results.get('elapsed_s', '?')} s",
             f"- generator: {results['generator']} (bench/harness/load.py), pinned to CPU 0; "
             "each tool alone on CPU 1"]
    lines += [f"- {name}: {text}" for name, text in v.items()]
    lines += ["", "## Targets", "", "| target | holds | this run |", "|---|---|---|"]
    for what, ok, detail in targets(results):
        lines.append(f"| {what} | {'yes' if ok else '**no**'} | {detail} |")
    lines += ["", "## Sustained load", "",
              "Offered: the capture veth's packet counters (in + out) over the run, divided by the time the "
              "generator ran. Loss: offered packets missing from the file (capinfos). Drops: what "
              "the tool reports from the kernel (PACKET_STATISTICS; through Wireshark's path, "
              "ringdump's reach the file as epb_dropcount and in its ISBs), what it lost itself, and what the kernel dropped before any socket "
              "(veth rx_dropped, softnet backlog; for AF_XDP the veth counts the same drops as the socket, "
              "so they are not added twice). Unaccounted: offered − captured − all drops. "
              "CPU ns/packet: the tool's CPU while the load ran and drained, per packet written. "
              "×tcpdump, ×dumpcap: CPU per packet relative to that tool in the same repetition. "
              "Kernel ns/packet: what the generator's core (where the kernel delivers to packet "
              "sockets) spent beyond a run of the same load with no capture, per offered packet; "
              "the tool's own CPU never shows this part. "
              "Median (min–max) of the repetitions.", ""]
    matrix_tables(results, lines)
    png = plot(results, out_dir)
    if png:
        lines += [f"![loss and CPU per packet against offered load]({png})", ""]
    else:
        lines += ["(no plot: gnuplot is not installed)", ""]
    burst_table(results, lines)
    ceiling_table(results, lines)
    micro_table(results, lines)
    for key, meta in results["tools"].items():
        if meta["missing"]:
            lines.append(f"- {meta['label']}: not run, {', '.join(meta['missing'])} missing")
    with open(os.path.join(out_dir, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
