// SPDX-License-Identifier: BSD-2-Clause
#include "usage.h"

#include "settings.h"

namespace ringdump::app {

std::string usage_text() {
    using namespace defaults;
    return "Usage: ringdump -i INTERFACE [-i INTERFACE ...] [options] [-w FILE|-] [FILTER]\n"
           "       ringdump annotate IN -w OUT [--local-net CIDR ...]\n"
           "       ringdump -D | --help | --version\n"
           "\n"
           "Captures packets through a TPACKET_V3 ring and writes pcapng (one interface block per\n"
           "interface, kernel direction in epb_flags). Also a Wireshark extcap: Wireshark and\n"
           "tshark list its interfaces as ringdump-<interface>.\n"
           "\n"
           "Capture:\n"
           "  -i, --interface IF      capture on IF (repeat for several; \"any\" uses libpcap)\n"
           "  -w, --write FILE        write pcapng to FILE, or - for standard output\n"
           "  -f, --filter EXPR       capture filter in pcap-filter(7) syntax, run in the kernel;\n"
           "                          words after the options are taken as the filter too\n"
           "  -s, --snaplen N         bytes kept per packet, 1-262144 (0 = 262144, the default)\n"
           "  -p, --no-promiscuous-mode\n"
           "                          do not put the interface in promiscuous mode\n"
           "      --promisc BOOL      the same as a value: true (default) or false\n"
           "  -B, --buffer-size MIB   kernel ring size, 1-" +
           std::to_string(kMaxBufferMib) + " MiB (default " + std::to_string(kBufferMib) +
           "); it absorbs\n"
           "                          bursts while the reader catches up\n"
           "      --block-size KIB    ring block size, a power of two (default " +
           std::to_string(kBlockKib) +
           ")\n"
           "      --block-timeout MS  hand over a partly filled block after MS ms, 1-" +
           std::to_string(kMaxBlockTimeoutMs) + " (default " + std::to_string(kBlockTimeoutMs) +
           ")\n"
           "      --backend NAME      auto (default: TPACKET_V3, libpcap for other device types),\n"
           "                          tpacket, pcap, or afxdp (never chosen by auto; below)\n"
           "\n"
           "AF_XDP (--backend afxdp; docs/afxdp.md): an XDP program redirects every frame the\n"
           "interface receives to AF_XDP sockets, away from the host's stack and other captures.\n"
           "Received frames only; timestamps are taken once per batch, not per packet.\n"
           "      --xdp-take-host-traffic\n"
           "                          allow it on an interface the host uses (addresses, bridge\n"
           "                          or bond port, VLANs on top): its traffic then reaches the\n"
           "                          capture instead of the host while the capture runs\n"
           "      --xdp-queues LIST   RX queues, e.g. 0,2-3 (default: all)\n"
           "      --xdp-mode MODE     auto (native where the driver has it), native or generic\n"
           "      --xdp-share         join libxdp's dispatcher when another XDP program is\n"
           "                          attached, instead of refusing\n"
           "      --xdp-busy-poll US  busy polling (SO_BUSY_POLL, SO_PREFER_BUSY_POLL), 0 = off\n"
           "      --xdp-busy-poll-budget N\n"
           "                          packets per busy poll (default " +
           std::to_string(kXdpBusyPollBudget) +
           ")\n"
           "      --xdp-frame-size N  UMEM frame size, 2048 or 4096 (default " +
           std::to_string(kXdpFrameSize) +
           ")\n"
           "      --xdp-fill-ring N   fill ring entries = UMEM frames per queue (default " +
           std::to_string(kXdpFillRing) +
           ")\n"
           "      --xdp-rx-ring N     RX ring entries per queue (default " +
           std::to_string(kXdpRxRing) +
           ")\n"
           "      --xdp-comp-ring N   completion ring entries (default " +
           std::to_string(kXdpCompRing) +
           "; unused)\n"
           "\n"
           "Annotations (on by default; docs/annotations.md):\n"
           "      --no-annotations    plain pcapng: no direction or TCP facts, the leanest "
           "capture\n"
           "      --local-net CIDR    a network that counts as this host (repeat, or separate\n"
           "                          with commas); default: the captured interfaces' prefixes\n"
           "      --max-flows N       flows tracked at once (default " +
           std::to_string(kMaxFlows) +
           ")\n"
           "      --flow-memory MIB   most memory for flow tracking (default " +
           std::to_string(kFlowMemoryMib) +
           ")\n"
           "  annotate IN -w OUT      annotate a pcap or pcapng file (no local networks unless\n"
           "                          --local-net is given)\n"
           "\n"
           "Stopping (SIGINT or SIGTERM stop cleanly at any time):\n"
           "  -c, --count N           after N packets\n"
           "  -a, --autostop COND     duration:SECONDS, packets:N or filesize:KB\n"
           "\n"
           "Other:\n"
           "  -D, --list-interfaces   list interfaces with flags, link type and addresses\n"
           "  -q, --quiet             no start line and no summary on stderr\n"
           "      --log-level LEVEL   error, warning (default), info or debug\n"
           "      --log-file FILE     append the log to FILE instead of stderr\n"
           "  -h, --help              this text\n"
           "  -v, --version           version of ringdump and libpcap\n"
           "\n"
           "Examples:\n"
           "  ringdump -i eth0 -w capture.pcapng\n"
           "  ringdump -i eth0 -w - tcp port 443 | tshark -r - -Y tls.handshake\n"
           "  tshark -i ringdump-eth0 -w capture.pcapng\n";
}

}  // namespace ringdump::app
