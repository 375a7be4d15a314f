# SPDX-License-Identifier: BSD-2-Clause
"""Offered load: bounded UDP frames from the generator namespace, and a mix with real TCP flows.

Two generators, both the project's own and both stopping by themselves after a count or a time:
  packet  tests/tools/rdgen.cpp "raw": AF_PACKET sendmmsg in batches of 64 (~0.85 Mpps flat out
          here).
  xdp     bench/tools/rdxdpgen: BPF_PROG_RUN with live frames and XDP_TX out of the generator's
          veth (~2.4 Mpps here); needs GRO on at the capture end (see testbed.up).
Both stamp every frame with a sequence number (capfile.py checks them). The generator runs
pinned to CPU 0, where the kernel's receive work for the veth also stays; the tool gets CPU 1.
"""

import re
import subprocess

from testbed import CAP_IP, CAP_NS, GEN_IF, GEN_IP, GEN_NS, SINK_IP, SINK_MAC

GEN_CPU, TOOL_CPU = "0", "1"


class Generator:
    def __init__(self, kind, path):
        self.kind = kind
        self.path = path

    def command(self, count, rate, size, max_seconds):
        argv = ["ip", "netns", "exec", GEN_NS, "taskset", "-c", GEN_CPU, self.path]
        if self.kind == "packet":
            argv.append("raw")
        argv += ["--interface", GEN_IF, "--dst-mac", SINK_MAC, "--src", GEN_IP, "--dst",
                 SINK_IP, "--count", str(count), "--size", str(size), "--max-seconds",
                 str(max_seconds)]
        if rate:
            argv += ["--rate", str(rate)]
        return argv

    def run(self, count, rate, size, max_seconds=60):
        """Sends and returns {"sent": n, "seconds": s}; raises on failure."""
        result = subprocess.run(self.command(count, rate, size, max_seconds), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=max_seconds + 30)
        m = re.search(r"sent (\d+) packets in ([0-9.]+) s", result.stdout)
        if result.returncode != 0 or not m:
            raise RuntimeError(f"{self.kind} generator failed (status {result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
        return {"sent": int(m.group(1)), "seconds": float(m.group(2))}


class TcpFlows:
    """K bulk TCP transfers from the generator namespace to the capture namespace (rdrelay send
    and receive: real sockets, every byte checked), run alongside the UDP load."""

    def __init__(self, rdrelay, flows, bytes_each, mss=1400):
        self.rdrelay, self.flows, self.bytes_each, self.mss = rdrelay, flows, bytes_each, mss
        self.procs = []

    def start_receivers(self):
        for i in range(self.flows):
            p = subprocess.Popen(
                ["ip", "netns", "exec", CAP_NS, "taskset", "-c", GEN_CPU, self.rdrelay,
                 "receive", "--listen", CAP_IP, "--port", str(20000 + i), "--bytes",
                 str(self.bytes_each), "--max-seconds", "60"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            # "listening" once the socket is ready.
            line = p.stdout.readline()
            if "listening" not in line:
                p.kill()
                raise RuntimeError(f"rdrelay receive did not start: {line.strip()}")
            self.procs.append(p)

    def start_senders(self):
        for i in range(self.flows):
            self.procs.append(subprocess.Popen(
                ["ip", "netns", "exec", GEN_NS, "taskset", "-c", GEN_CPU, self.rdrelay, "send",
                 "--dst", CAP_IP, "--port", str(20000 + i), "--bytes", str(self.bytes_each),
                 "--mss", str(self.mss), "--max-seconds", "60"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))

    def wait(self):
        ok = True
        for p in self.procs:
            try:
                out, _ = p.communicate(timeout=90)
            except subprocess.TimeoutExpired:
                p.kill()
                out, ok = "", False
            ok = ok and p.returncode == 0
        self.procs = []
        return ok
