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
           "{tooltip=How packets leave the kernel: a TPACKET_V3 ring, or libpcap}{group=Capture}\n"
           "value {arg=0}{value=auto}{display=Automatic (TPACKET_V3; libpcap for other device "
           "types)}{default=true}\n"
           "value {arg=0}{value=tpacket}{display=AF_PACKET TPACKET_V3 ring}{default=false}\n"
           "value {arg=0}{value=pcap}{display=libpcap}{default=false}\n"
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
           "}{tooltip=Most memory the flow table may use}{group=Annotations}\n";
}

}  // namespace ringdump::app
