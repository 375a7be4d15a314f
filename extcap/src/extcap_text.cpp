// SPDX-License-Identifier: BSD-2-Clause
#include "extcap_text.h"

#include "ringdump/linktype.h"
#include "ringdump/version.h"
#include "settings.h"

namespace ringdump::app {

bool announceable(const std::string& interface_name) {
    return interface_name.find_first_of("{}") == std::string::npos;
}

std::string extcap_interfaces_text(const std::vector<InterfaceInfo>& interfaces) {
    std::string text = "extcap {version=" + std::string(version()) + "}\n";
    for (const InterfaceInfo& info : interfaces) {
        if (!announceable(info.name)) continue;
        std::string display = "ringdump on " + info.name;
        std::string details;
        for (const IpPrefix& prefix : info.addresses) {
            details += (details.empty() ? "" : ", ") + prefix.to_string();
        }
        if (!info.is_up()) details += std::string(details.empty() ? "" : ", ") + "down";
        if (!details.empty()) display += " (" + details + ")";
        text += "interface {value=" + std::string(kExtcapPrefix) + info.name +
                "}{display=" + display + "}\n";
    }
    return text;
}

std::string extcap_dlts_text(std::uint16_t link_type) {
    return "dlt {number=" + std::to_string(link_type) +
           "}{name=" + std::string(linktype_name(link_type)) +
           "}{display=" + std::string(linktype_description(link_type)) + "}\n";
}

std::string extcap_config_text() {
    using namespace defaults;
    // Booleans are "boolean", not "boolflag": a boolflag that defaults to true could never be
    // switched off from tshark (-o ...:false just omits the flag). Selector defaults are ignored
    // by Wireshark 4.0 for preferences, so every default is also ringdump's own.
    return "arg {number=0}{call=--backend}{display=Capture backend}{type=selector}"
           "{tooltip=How packets leave the kernel: a TPACKET_V3 ring, libpcap, or AF_XDP sockets "
           "fed by an XDP program}{group=Capture}\n"
           "value {arg=0}{value=auto}{display=Automatic (TPACKET_V3; libpcap for other device "
           "types; never AF_XDP)}{default=true}\n"
           "value {arg=0}{value=tpacket}{display=AF_PACKET TPACKET_V3 ring}{default=false}\n"
           "value {arg=0}{value=pcap}{display=libpcap}{default=false}\n"
           "value {arg=0}{value=afxdp}{display=AF_XDP (received frames only; takes them from the "
           "host, see the AF_XDP tab)}{default=false}\n"
           "arg {number=1}{call=--snaplen}{display=Snapshot length}{type=unsigned}{range=1," +
           std::to_string(kMaxSnapLength) + "}{default=" + std::to_string(kSnapLength) +
           "}{tooltip=Bytes kept of each packet}{group=Capture}\n"
           "arg {number=2}{call=--promisc}{display=Promiscuous mode}{type=boolean}{default=" +
           (kPromiscuous ? "true" : "false") +
           "}{tooltip=Also capture frames addressed to other hosts}{group=Capture}\n"
           "arg {number=3}{call=--buffer-size}{display=Ring buffer (MiB)}{type=unsigned}"
           "{range=1," +
           std::to_string(kMaxBufferMib) + "}{default=" + std::to_string(kBufferMib) +
           "}{tooltip=Kernel ring that holds bursts while Wireshark catches up}{group=Capture}\n"
           "arg {number=4}{call=--block-timeout}{display=Block timeout (ms)}{type=unsigned}"
           "{range=1," +
           std::to_string(kMaxBlockTimeoutMs) + "}{default=" + std::to_string(kBlockTimeoutMs) +
           "}{tooltip=Longest wait before a partly filled ring block is shown}{group=Capture}\n"
           "arg {number=5}{call=--log-level}{display=Log level}{type=selector}"
           "{tooltip=How much ringdump writes to the log file}{group=Debug}\n"
           "value {arg=5}{value=error}{display=Errors}{default=false}\n"
           "value {arg=5}{value=warning}{display=Warnings}{default=true}\n"
           "value {arg=5}{value=info}{display=Information}{default=false}\n"
           "value {arg=5}{value=debug}{display=Debugging}{default=false}\n"
           "arg {number=6}{call=--log-file}{display=Log file}{type=fileselect}{mustexist=false}"
           "{tooltip=Where the log goes; nothing is logged without one}{group=Debug}\n"
           "arg {number=7}{call=--annotations}{display=Annotate packets}{type=boolean}{default=" +
           (kAnnotate ? "true" : "false") +
           "}{tooltip=Host-relative direction and TCP stream facts on every packet (the ringdump "
           "plugin shows them)}{group=Annotations}\n"
           "arg {number=8}{call=--local-net}{display=Local networks}{type=string}"
           "{placeholder=198.18.0.0/15,2001:db8::/32}{tooltip=Networks that count as this host, "
           "comma-separated; empty: the captured interface's own prefixes}{group=Annotations}\n"
           "arg {number=9}{call=--max-flows}{display=Flows tracked at once}{type=unsigned}"
           "{range=1024,67108864}{default=" +
           std::to_string(kMaxFlows) +
           "}{tooltip=The least recently used flow is forgotten beyond this}{group=Annotations}\n"
           "arg {number=10}{call=--flow-memory}{display=Flow memory (MiB)}{type=unsigned}"
           "{range=1,65536}{default=" +
           std::to_string(kFlowMemoryMib) +
           "}{tooltip=Most memory the flow table may use}{group=Annotations}\n"
           "arg {number=11}{call=--xdp-queues}{display=RX queues}{type=string}{placeholder=all}"
           "{tooltip=RX queues to capture with AF_XDP, e.g. 0,2-3; empty: all of them}"
           "{group=AF_XDP}\n"
           "arg {number=12}{call=--xdp-mode}{display=XDP mode}{type=selector}"
           "{tooltip=Where the XDP program runs: in the driver (native) or after the kernel built "
           "its packet buffer (generic, slower, works everywhere)}{group=AF_XDP}\n"
           "value {arg=12}{value=auto}{display=Native where the driver has it, else generic}"
           "{default=true}\n"
           "value {arg=12}{value=native}{display=Native (driver)}{default=false}\n"
           "value {arg=12}{value=generic}{display=Generic (skb)}{default=false}\n"
           "arg {number=13}{call=--xdp-take-host-traffic}{display=Take the host's traffic}"
           "{type=boolean}{default=false}{tooltip=Allow AF_XDP on an interface the host uses "
           "(addresses, bridge or bond port, VLANs on top): while the capture runs, every frame "
           "it receives goes to the capture instead of the host's stack}{group=AF_XDP}\n"
           "arg {number=14}{call=--xdp-share}{display=Share with other XDP programs}"
           "{type=boolean}{default=false}{tooltip=When another XDP program is attached, join it "
           "through libxdp's dispatcher instead of refusing (the program then stays attached if "
           "ringdump is killed)}{group=AF_XDP}\n"
           "arg {number=15}{call=--xdp-busy-poll}{display=Busy polling (us)}{type=unsigned}"
           "{range=0," +
           std::to_string(kXdpMaxBusyPollUs) + "}{default=" + std::to_string(kXdpBusyPollUs) +
           "}{tooltip=SO_BUSY_POLL with SO_PREFER_BUSY_POLL on every socket; 0: off}"
           "{group=AF_XDP}\n"
           "arg {number=16}{call=--xdp-busy-poll-budget}{display=Busy-poll budget}"
           "{type=unsigned}{range=1," +
           std::to_string(kXdpMaxBusyPollBudget) +
           "}{default=" + std::to_string(kXdpBusyPollBudget) +
           "}{tooltip=SO_BUSY_POLL_BUDGET: packets per busy poll}{group=AF_XDP}\n"
           "arg {number=17}{call=--xdp-frame-size}{display=Frame size}{type=selector}"
           "{tooltip=Bytes per UMEM frame; a frame holds one packet of up to this minus 256 "
           "bytes}{group=AF_XDP}\n"
           "value {arg=17}{value=2048}{display=2048 bytes}{default=" +
           (kXdpFrameSize == 2048 ? "true" : "false") +
           "}\n"
           "value {arg=17}{value=4096}{display=4096 bytes}{default=" +
           (kXdpFrameSize == 4096 ? "true" : "false") +
           "}\n"
           "arg {number=18}{call=--xdp-fill-ring}{display=Frames per queue}{type=unsigned}"
           "{range=" +
           std::to_string(kXdpMinRing) + "," + std::to_string(kXdpMaxRing) +
           "}{default=" + std::to_string(kXdpFillRing) +
           "}{tooltip=Fill ring entries and UMEM frames per RX queue, a power of two: the burst "
           "buffer}{group=AF_XDP}\n"
           "arg {number=19}{call=--xdp-rx-ring}{display=RX ring entries}{type=unsigned}{range=" +
           std::to_string(kXdpMinRing) + "," + std::to_string(kXdpMaxRing) +
           "}{default=" + std::to_string(kXdpRxRing) +
           "}{tooltip=RX ring entries per queue, a power of two}{group=AF_XDP}\n";
}

}  // namespace ringdump::app
