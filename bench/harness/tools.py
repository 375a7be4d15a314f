# SPDX-License-Identifier: BSD-2-Clause
"""The capture tools the harness compares, each as the command a user would type.

Every tool gets the same kernel buffer (buffer_mib) unless a row says otherwise, writes to the
same RAM-backed folder, and runs alone on the capture core. `stop` names the process that gets
SIGINT at the end (the one a user would press Ctrl-C in; for a pipeline the writer, so that the
reader sees end-of-file after the last byte). Drop counters are parsed from what each tool
prints at exit, in its own words.
"""

import re
import shutil

from testbed import CAP_IF


class Tool:
    def __init__(self, key, label, argv, stop, fmt, drops, needs=(), shell=False, note="",
                 live="packet", udp_only=False):
        self.key = key          # short id used in data files
        self.label = label      # row label in the report
        self.argv = argv        # function(out_path, buffer_mib) -> argv (or a shell string)
        self.stop = stop        # process name that receives SIGINT
        self.fmt = fmt          # "pcapng" or "pcap"
        self.drops = drops      # function(stderr_text) -> (kernel_drops, tool_drops) or None
        self.needs = needs      # executables that must exist
        self.shell = shell
        self.note = note
        self.live = live            # "packet": a bound packet socket; "xdp": a program attached
        self.udp_only = udp_only    # takes the host's traffic: not for loads with real TCP

    def missing(self):
        return [n for n in self.needs if shutil.which(n) is None]


def _last_int(pattern, text):
    found = re.findall(pattern, text)
    return int(found[-1]) if found else None


def ringdump_drops(text):
    # ringdump: rdbc: N received by filter, D dropped by kernel, F ring freezes
    return _last_int(r"(\d+) dropped by kernel", text), 0


def tcpdump_drops(text):
    return _last_int(r"(\d+) packets? dropped by kernel", text), 0


def dumpcap_drops(text):
    # Packets received/dropped on interface 'rdbc': 1000/5 (pcap:5/dumpcap:0/flushed:0/...)
    m = re.findall(r"\(pcap:(\d+)/dumpcap:(\d+)/flushed:(\d+)", text)
    if m:
        pcap, dumpcap, flushed = (int(x) for x in m[-1])
        return pcap, dumpcap + flushed
    return None, None


def tshark_drops(text):
    # tshark -w: "N packets dropped from rdbc" (only printed when non-zero), or dumpcap's line.
    kernel, tool = dumpcap_drops(text)
    if kernel is not None:
        return kernel, tool
    n = _last_int(r"(\d+) packets? dropped", text)
    return (n if n is not None else 0), 0


def netsniff_drops(text):
    # "      0  packets failed filter (out of space)" = the ring's tp_drops
    return _last_int(r"(\d+)\s+packets failed filter \(out of space\)", text), 0


def no_drops(_text):
    return None, None


def make_tools(ringdump, extcap_cfg, buffer_mib):
    """All rows of the comparison. ringdump: the binary; extcap_cfg: a Wireshark configuration
    folder whose extcap/ holds it (see main.prepare_extcap)."""
    rd = ringdump
    b = str(buffer_mib)
    pref = f"extcap.ringdump_{CAP_IF}"
    tshark_env = ["env", f"WIRESHARK_CONFIG_DIR={extcap_cfg}", f"HOME={extcap_cfg}"]
    return [
        Tool("rd_file", "ringdump → file (annotated)",
             lambda out, b=b: [rd, "-i", CAP_IF, "-B", b, "-w", out],
             "ringdump", "pcapng", ringdump_drops),
        Tool("rd_pipe", "ringdump → pipe → cat (annotated)",
             lambda out, b=b: f"exec {rd} -i {CAP_IF} -B {b} -w - | cat > {out}",
             "ringdump", "pcapng", ringdump_drops, shell=True),
        Tool("rd_plain", "ringdump → file (no annotations)",
             lambda out, b=b: [rd, "-i", CAP_IF, "-B", b, "--no-annotations", "-w", out],
             "ringdump", "pcapng", ringdump_drops),
        # AF_XDP: the capture end has an address, so the redirect must be allowed explicitly.
        Tool("rd_afxdp", "ringdump --backend afxdp → file (annotated)",
             lambda out: [rd, "-i", CAP_IF, "--backend", "afxdp", "--xdp-take-host-traffic",
                          "-w", out],
             "ringdump", "pcapng", ringdump_drops, live="xdp", udp_only=True),
        Tool("rd_afxdp_plain", "ringdump --backend afxdp → file (no annotations)",
             lambda out: [rd, "-i", CAP_IF, "--backend", "afxdp", "--xdp-take-host-traffic",
                          "--no-annotations", "-w", out],
             "ringdump", "pcapng", ringdump_drops, live="xdp", udp_only=True),
        Tool("rd_wireshark", "tshark -i ringdump-IF (extcap → FIFO → dumpcap)",
             lambda out, b=b: tshark_env + ["tshark", "-q", "-i", f"ringdump-{CAP_IF}",
                                            "-o", f"{pref}.buffersize:{b}", "-w", out],
             "tshark", "pcapng", no_drops, needs=("tshark", "dumpcap"),
             note="drops: ringdump's, from the ISB dumpcap copies into the file"),
        Tool("dumpcap", "dumpcap -i IF",
             lambda out, b=b: ["dumpcap", "-q", "-i", CAP_IF, "-B", b, "-w", out],
             "dumpcap", "pcapng", dumpcap_drops, needs=("dumpcap",)),
        Tool("tshark", "tshark -i IF (native)",
             lambda out, b=b: tshark_env + ["tshark", "-q", "-i", CAP_IF, "-B", b, "-w", out],
             "tshark", "pcapng", tshark_drops, needs=("tshark", "dumpcap")),
        Tool("tcpdump", "tcpdump -w",
             lambda out, b=b: ["tcpdump", "-q", "-n", "-i", CAP_IF, "-B",
                               str(int(b) * 1024), "-w", out],
             "tcpdump", "pcap", tcpdump_drops, needs=("tcpdump",)),
        Tool("tcpdump_pipe", "tcpdump -w - | cat (pcap)",
             lambda out, b=b: f"exec tcpdump -q -n -i {CAP_IF} -B {int(b) * 1024} -w - "
                              f"| cat > {out}",
             "tcpdump", "pcap", tcpdump_drops, needs=("tcpdump",), shell=True),
        Tool("netsniff", "netsniff-ng",
             lambda out, b=b: ["netsniff-ng", "--in", CAP_IF, "--out", out, "--silent",
                               "--ring-size", f"{b}MiB"],
             "netsniff-ng", "pcap", netsniff_drops, needs=("netsniff-ng",)),
    ]
