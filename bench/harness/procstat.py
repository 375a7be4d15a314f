# SPDX-License-Identifier: BSD-2-Clause
"""CPU time and peak memory of a process tree, read from /proc.

CPU is the sum of each thread's on-CPU time from /proc/PID/task/TID/schedstat (nanoseconds,
user and system together; CONFIG_SCHED_INFO), which resolves far finer than the 10 ms ticks of
/proc/PID/stat. The harness samples a tool's tree when its capture is live and again when it has
drained the load, so the one-off costs of allocating rings and of exiting are left out for every
tool alike, and a process in the tree (dumpcap under tshark, ringdump under dumpcap) is charged
separately by name. Peak memory is VmHWM per process.
"""

import os


def _children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(x) for x in f.read().split())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return kids


def tree(root):
    """The pids of root and all its descendants."""
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(_children(pid))
    return pids


def _comm(pid):
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


def _cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def _hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def sample(root):
    """{pid: (name, cpu_ns, peak_rss_kib)} for the tree under root (processes that vanish while
    being read are skipped)."""
    out = {}
    for pid in tree(root):
        try:
            out[pid] = (_comm(pid), _cpu_ns(pid), _hwm_kib(pid))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def cpu_between(before, after):
    """CPU nanoseconds per process name spent between two samples (a process absent from the
    first sample started in between and is charged all its time)."""
    by_name = {}
    for pid, (name, cpu, _) in after.items():
        start = before.get(pid, (name, 0, 0))[1]
        by_name[name] = by_name.get(name, 0) + max(0, cpu - start)
    return by_name


def peak_rss(sample_):
    """Peak resident memory per process name, KiB (summed when a name has several processes)."""
    by_name = {}
    for name, _, hwm in sample_.values():
        by_name[name] = by_name.get(name, 0) + hwm
    return by_name


def total_cpu_ns(sample_):
    return sum(cpu for _, cpu, _ in sample_.values())


def cpu_busy_ns(cpu):
    """Busy time of one CPU since boot (user, nice, system, irq, softirq, steal), nanoseconds, from
    /proc/stat (USER_HZ ticks: 10 ms resolution, so only differences over seconds mean much)."""
    tick_ns = 1e9 / os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * tick_ns
    return 0
