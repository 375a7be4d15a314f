// SPDX-License-Identifier: BSD-2-Clause
// The extcap protocol text (extcap/src/extcap_text.h) and the `ringdump -D` list
// (extcap/src/interface_list.h): golden text written by hand, plus a checker of the Wireshark 4.0
// extcap grammar (extcap_parser.c) applied to every sentence, and a check that the advertised
// defaults are the ones the argument parser applies.
#include "extcap_text.h"

#include <net/if.h>
#include <net/if_arp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "interface_list.h"
#include "ringdump/version.h"
#include "settings.h"

namespace ringdump::app {
namespace {

// ---------------------------------------------------------------------------------------------
// A checker for the extcap sentence grammar of Wireshark 4.0 (extcap_parser.c, see
// wireshark-4.0-extcap-and-plugin.md section 2.3).

struct Sentence {
    std::string word;
    std::vector<std::pair<std::string, std::string>> params;

    std::optional<std::string> get(const std::string& key) const {
        for (const auto& [k, v] : params) {
            if (k == key) return v;
        }
        return std::nullopt;
    }
};

// Parses one line the way Wireshark's regexes do, but strictly: every byte after the sentence
// word must belong to a {key=value} group, so a value holding "}{" or "} " (which Wireshark would
// cut short) is reported instead of silently misread.
std::optional<Sentence> parse_sentence(const std::string& line, std::string& error) {
    static const std::regex kSentence(R"(^[\t ]*(arg|value|interface|extcap|dlt)[\t ]+\{)");
    std::smatch match;
    if (!std::regex_search(line, match, kSentence)) {
        error = "not a sentence: " + line;
        return std::nullopt;
    }
    Sentence sentence;
    sentence.word = match[1];
    std::size_t at = static_cast<std::size_t>(match.length(0)) - 1;  // at the first '{'
    while (at < line.size()) {
        if (line[at] != '{') {
            error =
                "text outside a {key=value} group at column " + std::to_string(at) + ": " + line;
            return std::nullopt;
        }
        const std::size_t equals = line.find('=', at);
        if (equals == std::string::npos) {
            error = "group without '=': " + line;
            return std::nullopt;
        }
        const std::string key = line.substr(at + 1, equals - at - 1);
        if (!std::regex_match(key, std::regex("[a-zA-Z_-]+"))) {
            error = "bad key '" + key + "': " + line;
            return std::nullopt;
        }
        // The value ends at the first '}' followed by '{', whitespace or the end of the line.
        std::size_t close = equals + 1;
        for (;; ++close) {
            close = line.find('}', close);
            if (close == std::string::npos) {
                error = "unterminated value for '" + key + "': " + line;
                return std::nullopt;
            }
            if (close + 1 == line.size() || line[close + 1] == '{' || line[close + 1] == ' ' ||
                line[close + 1] == '\t') {
                break;
            }
        }
        const std::string value = line.substr(equals + 1, close - equals - 1);
        if (value.empty()) {
            error = "empty value for '" + key + "': " + line;
            return std::nullopt;
        }
        if (sentence.get(key)) {
            error = "key '" + key + "' given twice: " + line;
            return std::nullopt;
        }
        sentence.params.emplace_back(key, value);
        at = close + 1;
        if (at < line.size() && line[at] != '{') {
            error = "'}' followed by whitespace inside or after a value: " + line;
            return std::nullopt;
        }
    }
    return sentence;
}

// Splits text into sentences; every line must end with '\n' and be a valid sentence.
std::vector<Sentence> parse_text(const std::string& text) {
    std::vector<Sentence> sentences;
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "text does not end with a newline";
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string error;
        auto sentence = parse_sentence(line, error);
        EXPECT_TRUE(sentence.has_value()) << error;
        if (sentence) sentences.push_back(*sentence);
    }
    return sentences;
}

const std::set<std::string> kArgTypes = {
    "integer",  "unsigned", "long",  "double",     "string",     "password", "boolean",
    "boolflag", "selector", "radio", "multicheck", "fileselect", "timestamp"};

bool is_integer(const std::string& text) {
    return std::regex_match(text, std::regex("-?[0-9]+"));
}

// The rules Wireshark 4.0 applies to an --extcap-config reply.
void check_config_semantics(const std::vector<Sentence>& sentences) {
    std::map<std::string, const Sentence*> args;  // by number
    std::map<std::string, int> selector_defaults;
    for (const Sentence& s : sentences) {
        if (s.word == "arg") {
            for (const char* key : {"number", "call", "display", "type"}) {
                EXPECT_TRUE(s.get(key)) << "arg without " << key;
            }
            const std::string number = s.get("number").value_or("");
            EXPECT_TRUE(is_integer(number)) << "arg number '" << number << "'";
            EXPECT_TRUE(args.emplace(number, &s).second) << "arg number " << number << " twice";
            EXPECT_EQ(s.get("call").value_or("").rfind("--", 0), 0u) << "call must be --option";
            const std::string type = s.get("type").value_or("");
            EXPECT_TRUE(kArgTypes.count(type)) << "type '" << type << "' unknown to 4.0";
            if (auto range = s.get("range")) {
                const auto comma = range->find(',');
                ASSERT_NE(comma, std::string::npos) << "range without a comma: " << *range;
                const std::string low = range->substr(0, comma);
                const std::string high = range->substr(comma + 1);
                ASSERT_TRUE(is_integer(low) && is_integer(high)) << *range;
                EXPECT_LE(std::stoll(low), std::stoll(high));
                if (auto def = s.get("default")) {
                    ASSERT_TRUE(is_integer(*def));
                    EXPECT_GE(std::stoll(*def), std::stoll(low)) << "default below range";
                    EXPECT_LE(std::stoll(*def), std::stoll(high)) << "default above range";
                }
            }
            if (type == "selector" || type == "radio" || type == "multicheck") {
                selector_defaults[number] = 0;
            }
        } else if (s.word == "value") {
            for (const char* key : {"arg", "value", "display"}) {
                EXPECT_TRUE(s.get(key)) << "value without " << key;
            }
            const std::string arg = s.get("arg").value_or("");
            ASSERT_TRUE(args.count(arg)) << "value for arg " << arg << " before or without it";
            ASSERT_TRUE(selector_defaults.count(arg)) << "value for non-selector arg " << arg;
            if (s.get("default") == "true") ++selector_defaults[arg];
        } else {
            ADD_FAILURE() << "unexpected sentence '" << s.word << "' in --extcap-config";
        }
    }
    for (const auto& [number, defaults] : selector_defaults) {
        EXPECT_EQ(defaults, 1) << "selector arg " << number << " needs exactly one default value";
    }
}

// ---------------------------------------------------------------------------------------------
// --extcap-config

TEST(ExtcapConfig, GoldenText) {
    const std::string expected =
        "arg {number=0}{call=--backend}{display=Capture backend}{type=selector}"
        "{tooltip=How packets leave the kernel: a TPACKET_V3 ring, libpcap, or AF_XDP sockets "
        "fed by an XDP program}{group=Capture}\n"
        "value {arg=0}{value=auto}{display=Automatic (TPACKET_V3; libpcap for other device "
        "types; never AF_XDP)}{default=true}\n"
        "value {arg=0}{value=tpacket}{display=AF_PACKET TPACKET_V3 ring}{default=false}\n"
        "value {arg=0}{value=pcap}{display=libpcap}{default=false}\n"
        "value {arg=0}{value=afxdp}{display=AF_XDP (received frames only; takes them from the "
        "host, see the AF_XDP tab)}{default=false}\n"
        "arg {number=1}{call=--snaplen}{display=Snapshot length}{type=unsigned}"
        "{range=1,262144}{default=262144}{tooltip=Bytes kept of each packet}{group=Capture}\n"
        "arg {number=2}{call=--promisc}{display=Promiscuous mode}{type=boolean}{default=true}"
        "{tooltip=Also capture frames addressed to other hosts}{group=Capture}\n"
        "arg {number=3}{call=--buffer-size}{display=Ring buffer (MiB)}{type=unsigned}"
        "{range=1,65536}{default=128}"
        "{tooltip=Kernel ring that holds bursts while Wireshark catches up}{group=Capture}\n"
        "arg {number=4}{call=--block-timeout}{display=Block timeout (ms)}{type=unsigned}"
        "{range=1,10000}{default=10}"
        "{tooltip=Longest wait before a partly filled ring block is shown}{group=Capture}\n"
        "arg {number=5}{call=--log-level}{display=Log level}{type=selector}"
        "{tooltip=How much ringdump writes to the log file}{group=Debug}\n"
        "value {arg=5}{value=error}{display=Errors}{default=false}\n"
        "value {arg=5}{value=warning}{display=Warnings}{default=true}\n"
        "value {arg=5}{value=info}{display=Information}{default=false}\n"
        "value {arg=5}{value=debug}{display=Debugging}{default=false}\n"
        "arg {number=6}{call=--log-file}{display=Log file}{type=fileselect}{mustexist=false}"
        "{tooltip=Where the log goes; nothing is logged without one}{group=Debug}\n"
        "arg {number=7}{call=--annotations}{display=Annotate packets}{type=boolean}{default=true}"
        "{tooltip=Host-relative direction and TCP stream facts on every packet (the ringdump "
        "plugin shows them)}{group=Annotations}\n"
        "arg {number=8}{call=--local-net}{display=Local networks}{type=string}"
        "{placeholder=198.18.0.0/15,2001:db8::/32}{tooltip=Networks that count as this host, "
        "comma-separated; empty: the captured interface's own prefixes}{group=Annotations}\n"
        "arg {number=9}{call=--max-flows}{display=Flows tracked at once}{type=unsigned}"
        "{range=1024,67108864}{default=262144}"
        "{tooltip=The least recently used flow is forgotten beyond this}{group=Annotations}\n"
        "arg {number=10}{call=--flow-memory}{display=Flow memory (MiB)}{type=unsigned}"
        "{range=1,65536}{default=256}{tooltip=Most memory the flow table may use}"
        "{group=Annotations}\n"
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
        "(addresses, bridge or bond port, VLANs on top): while the capture runs, every frame it "
        "receives goes to the capture instead of the host's stack}{group=AF_XDP}\n"
        "arg {number=14}{call=--xdp-share}{display=Share with other XDP programs}"
        "{type=boolean}{default=false}{tooltip=When another XDP program is attached, join it "
        "through libxdp's dispatcher instead of refusing (the program then stays attached if "
        "ringdump is killed)}{group=AF_XDP}\n"
        "arg {number=15}{call=--xdp-busy-poll}{display=Busy polling (us)}{type=unsigned}"
        "{range=0,1000000}{default=0}{tooltip=SO_BUSY_POLL with SO_PREFER_BUSY_POLL on every "
        "socket; 0: off}{group=AF_XDP}\n"
        "arg {number=16}{call=--xdp-busy-poll-budget}{display=Busy-poll budget}{type=unsigned}"
        "{range=1,65535}{default=64}{tooltip=SO_BUSY_POLL_BUDGET: packets per busy poll}"
        "{group=AF_XDP}\n"
        "arg {number=17}{call=--xdp-frame-size}{display=Frame size}{type=selector}"
        "{tooltip=Bytes per UMEM frame; a frame holds one packet of up to this minus 256 bytes}"
        "{group=AF_XDP}\n"
        "value {arg=17}{value=2048}{display=2048 bytes}{default=false}\n"
        "value {arg=17}{value=4096}{display=4096 bytes}{default=true}\n"
        "arg {number=18}{call=--xdp-fill-ring}{display=Frames per queue}{type=unsigned}"
        "{range=64,262144}{default=4096}{tooltip=Fill ring entries and UMEM frames per RX queue, "
        "a power of two: the burst buffer}{group=AF_XDP}\n"
        "arg {number=19}{call=--xdp-rx-ring}{display=RX ring entries}{type=unsigned}"
        "{range=64,262144}{default=4096}{tooltip=RX ring entries per queue, a power of two}"
        "{group=AF_XDP}\n";
    EXPECT_EQ(extcap_config_text(), expected);
}

TEST(ExtcapConfig, FollowsTheGrammar) {
    const std::vector<Sentence> sentences = parse_text(extcap_config_text());
    ASSERT_FALSE(sentences.empty());
    check_config_semantics(sentences);
}

// The preference names tshark users type (-o extcap.ringdump_eth0.<name>:...) are the calls
// without dashes; they must be the ones the README documents.
TEST(ExtcapConfig, PreferenceNamesMatchTheReadme) {
    std::set<std::string> names;
    for (const Sentence& s : parse_text(extcap_config_text())) {
        if (s.word != "arg") continue;
        std::string name = s.get("call").value_or("");
        std::erase(name, '-');
        names.insert(name);
    }
    EXPECT_EQ(names, (std::set<std::string>{"backend",           "snaplen",
                                            "promisc",           "buffersize",
                                            "blocktimeout",      "loglevel",
                                            "logfile",           "annotations",
                                            "localnet",          "maxflows",
                                            "flowmemory",        "xdpqueues",
                                            "xdpmode",           "xdptakehosttraffic",
                                            "xdpshare",          "xdpbusypoll",
                                            "xdpbusypollbudget", "xdpframesize",
                                            "xdpfillring",       "xdprxring"}));
}

// tshark passes every default explicitly (`call value`); ringdump must accept each one and end
// up with the same settings as with no options at all.
TEST(ExtcapConfig, AdvertisedDefaultsParseToTheBuiltInDefaults) {
    const std::vector<Sentence> sentences = parse_text(extcap_config_text());
    std::map<std::string, std::string> call_of;  // arg number -> call
    std::vector<std::string> argv = {"--capture", "--extcap-interface", "ringdump-eth0", "--fifo",
                                     "/tmp/fifo"};
    for (const Sentence& s : sentences) {
        if (s.word == "arg") {
            call_of[s.get("number").value_or("")] = s.get("call").value_or("");
            if (auto def = s.get("default")) {
                argv.push_back(s.get("call").value_or(""));
                argv.push_back(*def);
            }
        } else if (s.word == "value" && s.get("default") == "true") {
            argv.push_back(call_of[s.get("arg").value_or("")]);
            argv.push_back(s.get("value").value_or(""));
        }
    }
    const std::vector<std::string_view> args(argv.begin(), argv.end());
    const Settings advertised = parse_settings(args);
    EXPECT_TRUE(advertised.ignored.empty()) << "an advertised option is not recognised";
    const Settings plain = parse_settings(std::span(args).first(5));
    EXPECT_EQ(advertised.backend, plain.backend);
    EXPECT_EQ(advertised.snap_length, plain.snap_length);
    EXPECT_EQ(advertised.promiscuous, plain.promiscuous);
    EXPECT_EQ(advertised.buffer_mib, plain.buffer_mib);
    EXPECT_EQ(advertised.block_timeout_ms, plain.block_timeout_ms);
    EXPECT_EQ(advertised.log_level, plain.log_level);
    EXPECT_EQ(advertised.log_file, plain.log_file);
    EXPECT_EQ(advertised.annotate, plain.annotate);
    EXPECT_EQ(advertised.local_networks, plain.local_networks);
    EXPECT_EQ(advertised.max_flows, plain.max_flows);
    EXPECT_EQ(advertised.flow_memory_mib, plain.flow_memory_mib);
    EXPECT_EQ(advertised.xdp.queues, plain.xdp.queues);
    EXPECT_EQ(advertised.xdp.mode, plain.xdp.mode);
    EXPECT_EQ(advertised.xdp.take_host_traffic, plain.xdp.take_host_traffic);
    EXPECT_FALSE(advertised.xdp.take_host_traffic) << "never on unless asked for";
    EXPECT_EQ(advertised.xdp.share, plain.xdp.share);
    EXPECT_EQ(advertised.xdp.busy_poll_us, plain.xdp.busy_poll_us);
    EXPECT_EQ(advertised.xdp.busy_poll_budget, plain.xdp.busy_poll_budget);
    EXPECT_EQ(advertised.xdp.frame_size, plain.xdp.frame_size);
    EXPECT_EQ(advertised.xdp.fill_ring, plain.xdp.fill_ring);
    EXPECT_EQ(advertised.xdp.rx_ring, plain.xdp.rx_ring);
    // 20 args, of which 17 have a default (the log file, the local networks and the RX queues
    // have none).
    EXPECT_EQ(argv.size(), 5u + 2 * 17);
}

// ---------------------------------------------------------------------------------------------
// --extcap-dlts

TEST(ExtcapDlts, EthernetAndRawIp) {
    EXPECT_EQ(extcap_dlts_text(1), "dlt {number=1}{name=EN10MB}{display=Ethernet}\n");
    EXPECT_EQ(extcap_dlts_text(101), "dlt {number=101}{name=RAW}{display=Raw IP}\n");
    for (std::uint16_t link_type : std::initializer_list<std::uint16_t>{1, 101, 113}) {
        const std::vector<Sentence> sentences = parse_text(extcap_dlts_text(link_type));
        ASSERT_EQ(sentences.size(), 1u);
        EXPECT_EQ(sentences[0].word, "dlt");
        EXPECT_EQ(sentences[0].get("number"), std::to_string(link_type));
        EXPECT_TRUE(sentences[0].get("name"));
        EXPECT_TRUE(sentences[0].get("display"));
    }
}

// ---------------------------------------------------------------------------------------------
// --extcap-interfaces and -D

IpPrefix prefix(const char* text) {
    return *IpPrefix::parse(text);
}

std::vector<InterfaceInfo> synthetic_interfaces() {
    std::vector<InterfaceInfo> list(6);
    list[0].name = "eth0";
    list[0].index = 2;
    list[0].flags = IFF_UP | IFF_RUNNING;
    list[0].arphrd = ARPHRD_ETHER;
    list[0].mac = std::array<std::uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    list[0].addresses = {prefix("198.18.0.1/24"), prefix("2001:db8::1/64")};
    list[1].name = "veth1";
    list[1].index = 3;
    list[1].flags = 0;  // down
    list[1].arphrd = ARPHRD_ETHER;
    list[2].name = "we{ird";  // cannot be written in the grammar: skipped
    list[2].flags = IFF_UP;
    list[3].name = "tun0";
    list[3].index = 5;
    list[3].flags = IFF_UP | IFF_RUNNING;
    list[3].arphrd = ARPHRD_NONE;
    list[4].name = "br0";
    list[4].index = 6;
    list[4].flags = 0;
    list[4].addresses = {prefix("198.18.9.1/24")};
    list[5].name = "we}ird";
    list[5].flags = IFF_UP;
    return list;
}

TEST(ExtcapInterfaces, GoldenText) {
    const std::string expected =
        "extcap {version=" + std::string(version()) +
        "}\n"
        "interface {value=ringdump-eth0}{display=ringdump on eth0 (198.18.0.1/24, "
        "2001:db8::1/64)}\n"
        "interface {value=ringdump-veth1}{display=ringdump on veth1 (down)}\n"
        "interface {value=ringdump-tun0}{display=ringdump on tun0}\n"
        "interface {value=ringdump-br0}{display=ringdump on br0 (198.18.9.1/24, down)}\n";
    EXPECT_EQ(extcap_interfaces_text(synthetic_interfaces()), expected);
    EXPECT_TRUE(std::regex_match(std::string(version()), std::regex(R"(\d+\.\d+\.\d+)")))
        << version();
}

TEST(ExtcapInterfaces, FollowsTheGrammar) {
    const std::vector<Sentence> sentences =
        parse_text(extcap_interfaces_text(synthetic_interfaces()));
    ASSERT_EQ(sentences.size(), 5u);
    EXPECT_EQ(sentences[0].word, "extcap");
    EXPECT_TRUE(sentences[0].get("version"));
    for (std::size_t i = 1; i < sentences.size(); ++i) {
        EXPECT_EQ(sentences[i].word, "interface");
        EXPECT_EQ(sentences[i].get("value").value_or("").rfind("ringdump-", 0), 0u);
        EXPECT_TRUE(sentences[i].get("display"));
    }
}

TEST(ExtcapInterfaces, EmptyListHasOnlyTheToolLine) {
    EXPECT_EQ(extcap_interfaces_text({}), "extcap {version=" + std::string(version()) + "}\n");
}

TEST(ExtcapInterfaces, Announceable) {
    EXPECT_TRUE(announceable("eth0"));
    EXPECT_TRUE(announceable("veth-a.10"));
    EXPECT_FALSE(announceable("a{b"));
    EXPECT_FALSE(announceable("a}b"));
}

TEST(InterfaceList, GoldenText) {
    std::vector<InterfaceInfo> list(4);
    list[0].name = "lo";
    list[0].flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK;
    list[0].arphrd = ARPHRD_LOOPBACK;
    list[0].mac = std::array<std::uint8_t, 6>{};
    list[0].addresses = {prefix("127.0.0.1/8"), prefix("::1/128")};
    list[1].name = "eth0";
    list[1].flags = IFF_UP | IFF_RUNNING | IFF_PROMISC;
    list[1].arphrd = ARPHRD_ETHER;
    list[1].mac = std::array<std::uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0xab};
    list[1].addresses = {prefix("198.18.0.1/24")};
    list[2].name = "tun0";
    list[2].flags = IFF_UP | IFF_RUNNING;
    list[2].arphrd = ARPHRD_NONE;
    list[2].addresses = {prefix("198.18.5.1/32")};
    list[3].name = "gre1";
    list[3].flags = 0;
    list[3].arphrd = ARPHRD_IPGRE;
    const std::string expected =
        "1. lo [up, running, loopback] EN10MB 00:00:00:00:00:00\n"
        "    inet  127.0.0.1/8\n"
        "    inet6 ::1/128\n"
        "2. eth0 [up, running, promiscuous] EN10MB 02:00:5e:10:00:ab\n"
        "    inet  198.18.0.1/24\n"
        "3. tun0 [up, running] RAW\n"
        "    inet  198.18.5.1/32\n"
        "4. gre1 [down] ARPHRD 778 (via libpcap)\n";
    EXPECT_EQ(interface_list_text(list), expected);
    EXPECT_EQ(interface_list_text({}), "");
}

}  // namespace
}  // namespace ringdump::app
