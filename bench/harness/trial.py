# SPDX-License-Identifier: BSD-2-Clause
"""One measurement: one tool, one offered load, one output file.

    start the tool on CPU 1 ─► its packet socket is bound and running (/proc/PID/net/packet)
    ─► settle 300 ms ─► sample CPU ─► generator sends N frames from CPU 0
    ─► wait until the tool's tree is idle and its file stops growing ─► sample CPU and memory
    ─► SIGINT to the tool ─► it exits (else SIGKILL, recorded) ─► count the file

Offered is the capture veth's packet counters (received + sent) across the run, not what the generator believes
it sent. Captured is capinfos' count of the file (Wireshark's reader), cross-checked with the
generator's sequence numbers (capfile.py). CPU is counted only between the two samples.
"""

import os
import signal
import subprocess
import time

import capfile
import procstat
import testbed
from load import GEN_CPU, TOOL_CPU

SETTLE_S = 0.3
LAST_BLOCK_S = 1.5
IDLE_WINDOW_S = 0.4
IDLE_CPU_NS = 4_000_000  # under 1% of a core over the window


def _socket_live(pid, index):
    """True when a packet socket of pid's network namespace is bound to index and running."""
    try:
        with open(f"/proc/{pid}/net/packet") as f:
            next(f)
            for line in f:
                cols = line.split()
                if len(cols) >= 6 and int(cols[4]) == index and cols[5] == "1":
                    return True
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        pass
    return False


def _xdp_attached():
    out = testbed.sh("ip", "-n", testbed.CAP_NS, "-j", "link", "show", testbed.CAP_IF,
                     capture=True, check=False)
    return '"xdp"' in (out or "")


def _find(root, name):
    for pid in procstat.tree(root):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == name:
                    return pid
        except FileNotFoundError:
            pass
    return None


def _size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def wait_idle(root, out, limit_s):
    """Waits until neither the tree's CPU time nor the file grows over IDLE_WINDOW_S."""
    deadline = time.monotonic() + limit_s
    last_cpu = procstat.total_cpu_ns(procstat.sample(root))
    last_size = _size(out)
    while time.monotonic() < deadline:
        time.sleep(IDLE_WINDOW_S)
        cpu = procstat.total_cpu_ns(procstat.sample(root))
        size = _size(out)
        if cpu - last_cpu < IDLE_CPU_NS and size == last_size:
            return True
        last_cpu, last_size = cpu, size
    return False


def capinfos_count(path):
    r = subprocess.run(["capinfos", "-c", "-M", "-T", path], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # -T: a header line, then "file<TAB>count"
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    if r.returncode != 0 or len(lines) < 2:
        return None, (r.stderr.strip() or "capinfos failed")
    return int(lines[-1].split("\t")[-1]), None


def run(tool, out, load, drain_limit_s=120):
    """load: a callable that offers the traffic and returns {"sent": n, ...} (or raises).
    Returns one row of measurements (a dict)."""
    index = testbed.ifindex(testbed.CAP_NS, testbed.CAP_IF)
    argv = tool.argv(out)
    prefix = ["ip", "netns", "exec", testbed.CAP_NS, "taskset", "-c", TOOL_CPU]
    cmd = prefix + (["sh", "-c", argv] if tool.shell else argv)
    err_path = out + ".stderr"
    row = {"tool": tool.key, "error": None}
    rx0 = testbed.link_stats(testbed.CAP_NS, testbed.CAP_IF)
    soft0 = testbed.softnet_dropped()
    with open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        live = (lambda: _xdp_attached()) if tool.live == "xdp" else \
            (lambda: _socket_live(proc.pid, index))
        while not live():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("did not start capturing: " + _tail(err_path))
            time.sleep(0.02)
        time.sleep(SETTLE_S)
        before = procstat.sample(proc.pid)
        gen_busy0 = procstat.cpu_busy_ns(GEN_CPU)
        t0 = time.monotonic()
        sent = load()
        row["send_s"] = time.monotonic() - t0
        row["gen_cpu_busy_ns"] = procstat.cpu_busy_ns(GEN_CPU) - gen_busy0
        row.update({"sent": sent["sent"], "gen_seconds": sent["seconds"]})
        # The last partly filled ring block reaches a tool only after its block timeout
        # (tcpdump's libpcap: 1 s); only then can idleness mean the tool has everything.
        time.sleep(LAST_BLOCK_S)
        row["drained"] = wait_idle(proc.pid, out, drain_limit_s)
        after = procstat.sample(proc.pid)
        row["cpu_ns"] = procstat.cpu_between(before, after)
        row["rss_kib"] = procstat.peak_rss(after)
        rx1 = testbed.link_stats(testbed.CAP_NS, testbed.CAP_IF)
        # Both directions: the load arrives, a TCP mix also sends ACKs out of the capture end.
        row["offered"] = (rx1["rx_packets"] - rx0["rx_packets"] + rx1["tx_packets"] -
                          rx0["tx_packets"])
        row["stack_drops"] = (rx1["rx_dropped"] - rx0["rx_dropped"] +
                              testbed.softnet_dropped() - soft0)
        # A frame XDP could not redirect into a full AF_XDP ring is one drop that the veth
        # (rx_dropped) and the socket (XDP_STATISTICS, which ringdump reports) both count.
        row["stack_counts_tool_drops"] = tool.live == "xdp"
        target = _find(proc.pid, tool.stop) or proc.pid
        os.kill(target, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            row["error"] = "did not exit within 30 s of SIGINT; killed"
        row["exit"] = proc.returncode
    except Exception as e:  # the row records it; the run goes on with the next tool
        row["error"] = str(e)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr_text = open(err_path, errors="replace").read()
    row["kernel_drops"], row["tool_drops"] = tool.drops(stderr_text)
    if row["error"] is None and row.get("exit") not in (0, None):
        row["error"] = f"exit status {row['exit']}: {_tail(err_path)}"
    if os.path.exists(out):
        row["captured"], count_error = capinfos_count(out)
        if count_error:
            row["error"] = row["error"] or f"capinfos: {count_error}"
        walk = capfile.read(out, row.get("sent", 0) or 1)
        row["file"] = walk.as_dict()
        # Through dumpcap, ringdump's drop counts reach the file in its ISBs (cumulative: the
        # last one counts; ringdump writes one mid-stream when it goes idle with drops no packet
        # carried) and as epb_dropcount on the packet after each loss.
        if row["kernel_drops"] is None and tool.fmt == "pcapng":
            last_isb = walk.isb[-1].get("osdrop", 0) if walk.isb else 0
            row["kernel_drops"], row["tool_drops"] = max(last_isb, walk.epb_dropcount), 0
    else:
        row["captured"] = None
        row["error"] = row["error"] or "no output file"
    row["stderr"] = _tail(err_path, 3)
    return row


def _tail(path, lines=1):
    try:
        with open(path, errors="replace") as f:
            text = [l.strip() for l in f if l.strip()]
        return " | ".join(text[-lines:])
    except FileNotFoundError:
        return ""


def baseline(out_load):
    """The load with no capture at all: what the generator's core spends without any tool, so
    the kernel's work for a tool's socket (copying into its ring, on the generator's core) can be
    reported as the difference."""
    rx0 = testbed.link_stats(testbed.CAP_NS, testbed.CAP_IF)
    busy0 = procstat.cpu_busy_ns(GEN_CPU)
    t0 = time.monotonic()
    row = {"tool": "baseline", "error": None}
    try:
        sent = out_load()
        row.update({"sent": sent["sent"], "gen_seconds": sent["seconds"]})
    except Exception as e:
        row["error"] = str(e)
    row["send_s"] = time.monotonic() - t0
    row["gen_cpu_busy_ns"] = procstat.cpu_busy_ns(GEN_CPU) - busy0
    rx1 = testbed.link_stats(testbed.CAP_NS, testbed.CAP_IF)
    row["offered"] = (rx1["rx_packets"] - rx0["rx_packets"] + rx1["tx_packets"] -
                      rx0["tx_packets"])
    return row
