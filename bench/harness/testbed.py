# SPDX-License-Identifier: BSD-2-Clause
"""The benchmark testbed: a generator namespace and a capture namespace joined by one veth pair.

    rdb-gen  [rdbg 198.18.0.1/24] <==== veth ====> [rdbc 198.18.0.2/24]  rdb-cap

Static neighbour entries and IPv6 off (no router solicitations, no MLD reports), so the only
frames on the wire are the ones the harness sends. Load frames go to a MAC that is not rdbc's: the capture side
classifies them PACKET_OTHERHOST and drops them right after the packet taps, like frames from a
mirror port (no replies, no stack cost), while every capture tool sees all of them. Everything
is created and deleted by exact name.
"""

import json
import subprocess

GEN_NS, CAP_NS = "rdb-gen", "rdb-cap"
GEN_IF, CAP_IF = "rdbg", "rdbc"
GEN_MAC, CAP_MAC = "02:00:00:00:b0:01", "02:00:00:00:b0:02"
# The destination of load frames: nobody's MAC, so the receiver sees PACKET_OTHERHOST.
SINK_MAC = "02:00:00:00:b0:99"
GEN_IP, CAP_IP, SINK_IP = "198.18.0.1", "198.18.0.2", "198.18.0.99"


def sh(*args, check=True, capture=False):
    result = subprocess.run(args, check=False, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip()}")
    return result.stdout if capture else result.returncode


def down():
    for ns in (GEN_NS, CAP_NS):
        sh("ip", "netns", "del", ns, check=False)


def up(mtu=1500, gro=False, rx_queues=1):
    """Creates the testbed (deleting a leftover one first).

    gro: generic receive offload on the capture end. Off for AF_PACKET measurements (a capture
    should see frames as sent); frames an XDP generator transmits (ndo_xdp_xmit) into a veth
    whose peer has GRO off and no XDP program are dropped without any counter moving (kernel
    6.x), so the XDP generator needs it on. rx_queues: receive queues of the capture end.
    """
    down()
    sh("ip", "netns", "add", GEN_NS)
    sh("ip", "netns", "add", CAP_NS)
    sh("ip", "link", "add", GEN_IF, "netns", GEN_NS, "address", GEN_MAC,
       "numtxqueues", str(rx_queues), "numrxqueues", str(rx_queues), "type", "veth",
       "peer", "name", CAP_IF, "netns", CAP_NS, "address", CAP_MAC,
       "numtxqueues", str(rx_queues), "numrxqueues", str(rx_queues))
    for ns, dev, ip, peer_ip, peer_mac in ((GEN_NS, GEN_IF, GEN_IP, CAP_IP, CAP_MAC),
                                           (CAP_NS, CAP_IF, CAP_IP, GEN_IP, GEN_MAC)):
        # IPv6 off: no router solicitations or MLD reports among the measured frames.
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "set", dev, "mtu", str(mtu))
        sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "neigh", "replace", peer_ip, "lladdr", peer_mac, "dev", dev,
           "nud", "permanent")
    set_offloads(gro)


def set_offloads(gro):
    """TSO/GSO off on both ends (segments as TCP sends them); GRO as asked on the capture end."""
    sh("ip", "netns", "exec", GEN_NS, "ethtool", "-K", GEN_IF, "tso", "off", "gso", "off",
       check=False)
    sh("ip", "netns", "exec", CAP_NS, "ethtool", "-K", CAP_IF, "tso", "off", "gso", "off",
       "gro", "on" if gro else "off", check=False)


def link_stats(ns, dev):
    """The device's 64-bit counters (rx/tx packets, bytes, dropped) as ip -s -j reports them."""
    out = sh("ip", "-n", ns, "-s", "-j", "link", "show", dev, capture=True)
    stats = json.loads(out)[0]["stats64"]
    return {"rx_packets": stats["rx"]["packets"], "rx_dropped": stats["rx"]["dropped"],
            "tx_packets": stats["tx"]["packets"], "tx_dropped": stats["tx"]["dropped"]}


def softnet_dropped():
    """Packets the kernel dropped from its per-CPU backlogs (second column, all CPUs)."""
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total


def ifindex(ns, dev):
    return int(sh("ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/ifindex",
                  capture=True))
