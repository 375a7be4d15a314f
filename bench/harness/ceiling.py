# SPDX-License-Identifier: BSD-2-Clause
"""The ceiling of Wireshark's extcap path, measured on its own.

Wireshark and tshark run every extcap as: extcap → FIFO → dumpcap → file. dumpcap reads a
pcapng pipe one block at a time (a select() and a read() for the block header, again for the
body; dumpcap.c in 4.0 and 4.4), so the FIFO reader, not the extcap, sets the rate. Here a file
of ready-made blocks (SHB, IDB, N EPBs with the generator's payload) is streamed by `cat` into
a FIFO read by `dumpcap -i FIFO -w FILE`, and by `cat FIFO > /dev/null` for contrast: packets
per second through each reader, and dumpcap's CPU per packet. Nothing of ringdump is involved,
so the report can separate what is ringdump's from what is dumpcap's.
"""

import os
import struct
import subprocess
import time

import trial
from load import GEN_CPU, TOOL_CPU


def _block(block_type, body):
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def write_file(path, count, size):
    """pcapng with count Ethernet/IPv4/UDP frames of size bytes, sequence-numbered."""
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 1, 0, 262144))
    frame = bytearray(size)
    frame[0:14] = bytes.fromhex("02000000b099" "02000000b001" "0800")
    frame[14:34] = bytes.fromhex("4500") + struct.pack(">H", size - 14) + bytes.fromhex(
        "0000400040110000" "c6120001" "c6120063")
    frame[34:42] = struct.pack(">HHHH", 9000, 9000, size - 34, 0)
    frame[42:50] = b"RDGEN\x00\x00\x01"
    pad = (-size) % 4
    head = struct.pack("<II", 6, 32 + size + pad)
    with open(path, "wb") as f:
        f.write(shb + idb)
        chunk = []
        for seq in range(count):
            frame[50:58] = struct.pack("<Q", seq)
            ts = 1_700_000_000_000_000 + seq
            chunk.append(head + struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, size, size)
                         + bytes(frame) + b"\0" * pad + struct.pack("<I", 32 + size + pad))
            if len(chunk) == 4096:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))


def _through(reader_argv, path, fifo, count):
    """Streams path into fifo read by reader_argv: (seconds, reader CPU seconds, exit status,
    stderr)."""
    reader = subprocess.Popen(["taskset", "-c", TOOL_CPU] + reader_argv,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    with open(fifo, "wb") as w:  # blocks until the reader has opened the FIFO
        t0 = time.monotonic()
        writer = subprocess.Popen(["taskset", "-c", GEN_CPU, "cat", path], stdout=w)
    writer.wait(timeout=600)
    _, status, usage = os.wait4(reader.pid, 0)
    seconds = time.monotonic() - t0
    reader.returncode = os.waitstatus_to_exitcode(status)
    err = reader.stderr.read().decode(errors="replace")
    return seconds, usage.ru_utime + usage.ru_stime, reader.returncode, err


def run(cfg, _ringdump, _gen, work, log):
    rows = []
    for size in cfg["sizes"]:
        count = cfg["count"] if size < 1000 else max(1, cfg["count"] // 2)
        path = os.path.join(work, f"ceiling-{size}.pcapng")
        fifo = os.path.join(work, "ceiling.fifo")
        out = os.path.join(work, "ceiling-out.pcapng")
        write_file(path, count, size)
        os.mkfifo(fifo)
        try:
            for reader, argv in (("dumpcap", ["dumpcap", "-q", "-i", fifo, "-w", out]),
                                 ("cat", ["sh", "-c", f"exec cat {fifo} > /dev/null"])):
                seconds, cpu, status, err = _through(argv, path, fifo, count)
                row = {"reader": reader, "size": size, "count": count, "seconds": seconds,
                       "pps": count / seconds, "cpu_ns_per_packet": cpu * 1e9 / count,
                       "status": status}
                if reader == "dumpcap":
                    row["captured"], row["error"] = trial.capinfos_count(out)
                    if status != 0:
                        row["error"] = f"dumpcap exit {status}: {err.strip()[-200:]}"
                    os.unlink(out)
                rows.append(row)
                log(f"ceiling {size} B {reader}: {row['pps'] / 1e3:.0f} kpps, "
                    f"{row['cpu_ns_per_packet']:.0f} ns/packet")
        finally:
            os.unlink(fifo)
            os.unlink(path)
    return rows
