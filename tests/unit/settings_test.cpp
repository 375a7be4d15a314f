// SPDX-License-Identifier: BSD-2-Clause
// Command-line parsing (extcap/src/settings.h): documented defaults, every standalone option,
// tcpdump-style filters, usage errors that name the option, and the extcap protocol's
// arguments (capture, filter check, interface and DLT queries, unknown options ignored).
#include "settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ringdump::app {
namespace {

using ::testing::HasSubstr;

Settings parse(std::initializer_list<std::string_view> args) {
    const std::vector<std::string_view> list(args);
    return parse_settings(list);
}

// The UsageError message for args; fails the test if they parse or throw something else.
std::string usage_error(std::initializer_list<std::string_view> args) {
    try {
        parse(args);
    } catch (const UsageError& error) {
        return error.what();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "not a UsageError: " << error.what();
        return {};
    }
    ADD_FAILURE() << "parsed without error";
    return {};
}

// ---------------------------------------------------------------------------------------------
// Defaults (README option table and ringdump --help)

TEST(Settings, DefaultsAreTheDocumentedOnes) {
    const Settings s = parse({"-i", "eth0"});
    EXPECT_EQ(s.mode, Mode::capture);
    EXPECT_EQ(s.interfaces, std::vector<std::string>{"eth0"});
    EXPECT_EQ(s.output, "");
    EXPECT_EQ(s.filter, "");
    EXPECT_EQ(s.backend, Backend::automatic);
    EXPECT_EQ(s.snap_length, 262144u);
    EXPECT_TRUE(s.promiscuous);
    EXPECT_EQ(s.buffer_mib, 128u);
    EXPECT_EQ(s.block_kib, 1024u);
    EXPECT_EQ(s.block_timeout_ms, 10u);
    EXPECT_FALSE(s.packet_count.has_value());
    EXPECT_FALSE(s.duration_seconds.has_value());
    EXPECT_FALSE(s.filesize_kb.has_value());
    EXPECT_FALSE(s.quiet);
    EXPECT_EQ(s.log_level, LogLevel::warning);
    EXPECT_EQ(s.log_file, "");
    EXPECT_TRUE(s.ignored.empty());
}

TEST(Settings, SourceOptionsFromDefaults) {
    const SourceOptions o = source_options(parse({"-i", "eth0"}), "eth0");
    EXPECT_EQ(o.interface, "eth0");
    EXPECT_EQ(o.backend, Backend::automatic);
    EXPECT_EQ(o.snap_length, 262144u);
    EXPECT_TRUE(o.promiscuous);
    EXPECT_EQ(o.buffer_bytes, 128ull * 1024 * 1024);
    EXPECT_EQ(o.block_bytes, 1024u * 1024);
    EXPECT_EQ(o.block_timeout_ms, 10u);
    EXPECT_EQ(o.filter, "");
}

// ---------------------------------------------------------------------------------------------
// Standalone options

TEST(Settings, ParsesEveryStandaloneOption) {
    const Settings s = parse({"-i",
                              "eth0",
                              "-i",
                              "tun0",
                              "-w",
                              "out.pcapng",
                              "-f",
                              "tcp port 80",
                              "-s",
                              "1500",
                              "-c",
                              "100",
                              "-B",
                              "256",
                              "--backend",
                              "pcap",
                              "--block-size",
                              "2048",
                              "--block-timeout",
                              "50",
                              "--promisc",
                              "false",
                              "-q",
                              "--log-level",
                              "debug",
                              "--log-file",
                              "/tmp/rd.log"});
    EXPECT_EQ(s.mode, Mode::capture);
    EXPECT_EQ(s.interfaces, (std::vector<std::string>{"eth0", "tun0"}));
    EXPECT_EQ(s.output, "out.pcapng");
    EXPECT_EQ(s.filter, "tcp port 80");
    EXPECT_EQ(s.snap_length, 1500u);
    EXPECT_EQ(s.packet_count, 100u);
    EXPECT_EQ(s.buffer_mib, 256u);
    EXPECT_EQ(s.backend, Backend::pcap);
    EXPECT_EQ(s.block_kib, 2048u);
    EXPECT_EQ(s.block_timeout_ms, 50u);
    EXPECT_FALSE(s.promiscuous);
    EXPECT_TRUE(s.quiet);
    EXPECT_EQ(s.log_level, LogLevel::debug);
    EXPECT_EQ(s.log_file, "/tmp/rd.log");

    const SourceOptions o = source_options(s, "tun0");
    EXPECT_EQ(o.interface, "tun0");
    EXPECT_EQ(o.backend, Backend::pcap);
    EXPECT_EQ(o.snap_length, 1500u);
    EXPECT_FALSE(o.promiscuous);
    EXPECT_EQ(o.buffer_bytes, 256ull << 20);
    EXPECT_EQ(o.block_bytes, 2048u << 10);
    EXPECT_EQ(o.block_timeout_ms, 50u);
    EXPECT_EQ(o.filter, "tcp port 80");
}

TEST(Settings, LongNamesAndInlineValues) {
    const Settings s = parse({"--interface=eth0", "-itun0", "--write=-", "--snaplen=96",
                              "--count=7", "--buffer-size=2", "--backend=tpacket", "--filter=udp"});
    EXPECT_EQ(s.interfaces, (std::vector<std::string>{"eth0", "tun0"}));
    EXPECT_EQ(s.output, "-");
    EXPECT_EQ(s.snap_length, 96u);
    EXPECT_EQ(s.packet_count, 7u);
    EXPECT_EQ(s.buffer_mib, 2u);
    EXPECT_EQ(s.backend, Backend::tpacket);
    EXPECT_EQ(s.filter, "udp");
    EXPECT_EQ(parse({"-i", "eth0", "-c10"}).packet_count, 10u);
}

TEST(Settings, Autostop) {
    const Settings duration = parse({"-i", "eth0", "-a", "duration:2.5"});
    ASSERT_TRUE(duration.duration_seconds.has_value());
    EXPECT_DOUBLE_EQ(*duration.duration_seconds, 2.5);
    EXPECT_EQ(parse({"-i", "eth0", "-a", "packets:7"}).packet_count, 7u);
    EXPECT_EQ(parse({"-i", "eth0", "--autostop", "filesize:1000"}).filesize_kb, 1000u);
    // Several conditions at once.
    const Settings all =
        parse({"-i", "eth0", "-a", "duration:30", "-a", "filesize:10", "-a", "packets:5"});
    EXPECT_EQ(all.duration_seconds, 30.0);
    EXPECT_EQ(all.filesize_kb, 10u);
    EXPECT_EQ(all.packet_count, 5u);
}

TEST(Settings, PromiscuousSwitches) {
    EXPECT_FALSE(parse({"-i", "eth0", "-p"}).promiscuous);
    EXPECT_FALSE(parse({"-i", "eth0", "--no-promiscuous-mode"}).promiscuous);
    EXPECT_TRUE(parse({"-i", "eth0", "--promisc", "true"}).promiscuous);
    EXPECT_FALSE(parse({"-i", "eth0", "--promisc", "false"}).promiscuous);
    EXPECT_TRUE(parse({"-i", "eth0", "-p", "--promisc", "true"}).promiscuous);
}

TEST(Settings, SnapLengthZeroMeansTheMaximumStandalone) {
    EXPECT_EQ(parse({"-i", "eth0", "-s", "0"}).snap_length, 262144u);
    EXPECT_EQ(parse({"-i", "eth0", "-s", "262144"}).snap_length, 262144u);
    EXPECT_EQ(parse({"-i", "eth0", "-s", "1"}).snap_length, 1u);
}

TEST(Settings, TrailingWordsFormTheFilter) {
    const Settings s = parse({"-i", "eth0", "-w", "-", "tcp", "port", "443"});
    EXPECT_EQ(s.filter, "tcp port 443");
    EXPECT_EQ(s.output, "-");
    EXPECT_EQ(parse({"-i", "eth0", "not arp"}).filter, "not arp");
}

TEST(Settings, ModesWithoutAnInterface) {
    EXPECT_EQ(parse({"-D"}).mode, Mode::list_interfaces);
    EXPECT_EQ(parse({"--list-interfaces"}).mode, Mode::list_interfaces);
    EXPECT_EQ(parse({"--help"}).mode, Mode::help);
    EXPECT_EQ(parse({"-h"}).mode, Mode::help);
    EXPECT_EQ(parse({"--version"}).mode, Mode::version);
    EXPECT_EQ(parse({"-v"}).mode, Mode::version);
}

// ---------------------------------------------------------------------------------------------
// AF_XDP options

TEST(Settings, AfXdpDefaultsAreXdpOptionsDefaults) {
    const Settings s = parse({"-i", "eth0", "--backend", "afxdp"});
    EXPECT_EQ(s.backend, Backend::afxdp);
    EXPECT_TRUE(s.xdp.queues.empty()) << "all queues";
    EXPECT_EQ(s.xdp.mode, XdpMode::automatic);
    EXPECT_EQ(s.xdp.frame_size, 4096u);
    EXPECT_EQ(s.xdp.fill_ring, 4096u);
    EXPECT_EQ(s.xdp.rx_ring, 4096u);
    EXPECT_EQ(s.xdp.comp_ring, 64u);
    EXPECT_EQ(s.xdp.busy_poll_us, 0u) << "busy polling off";
    EXPECT_EQ(s.xdp.busy_poll_budget, 64u);
    EXPECT_FALSE(s.xdp.take_host_traffic) << "never without being asked";
    EXPECT_FALSE(s.xdp.share);
}

TEST(Settings, ParsesEveryAfXdpOption) {
    const Settings s = parse({"-i",
                              "eth0",
                              "--backend",
                              "afxdp",
                              "--xdp-queues",
                              "0,2-3",
                              "--xdp-mode",
                              "generic",
                              "--xdp-frame-size",
                              "2048",
                              "--xdp-fill-ring",
                              "8192",
                              "--xdp-rx-ring",
                              "1024",
                              "--xdp-comp-ring",
                              "128",
                              "--xdp-busy-poll",
                              "50",
                              "--xdp-busy-poll-budget",
                              "16",
                              "--xdp-take-host-traffic",
                              "--xdp-share",
                              "udp",
                              "port",
                              "53"});
    EXPECT_EQ(s.xdp.queues, (std::vector<std::uint32_t>{0, 2, 3}));
    EXPECT_EQ(s.xdp.mode, XdpMode::generic);
    EXPECT_EQ(s.xdp.frame_size, 2048u);
    EXPECT_EQ(s.xdp.fill_ring, 8192u);
    EXPECT_EQ(s.xdp.rx_ring, 1024u);
    EXPECT_EQ(s.xdp.comp_ring, 128u);
    EXPECT_EQ(s.xdp.busy_poll_us, 50u);
    EXPECT_EQ(s.xdp.busy_poll_budget, 16u);
    EXPECT_TRUE(s.xdp.take_host_traffic);
    EXPECT_TRUE(s.xdp.share);
    EXPECT_EQ(s.filter, "udp port 53") << "a flag's optional value is only ever a boolean";
    const SourceOptions o = source_options(s, "eth0");
    EXPECT_EQ(o.backend, Backend::afxdp);
    EXPECT_EQ(o.xdp.queues, s.xdp.queues);
    EXPECT_EQ(o.xdp.mode, XdpMode::generic);
    EXPECT_EQ(o.xdp.fill_ring, 8192u);
    EXPECT_TRUE(o.xdp.take_host_traffic);
}

// The extcap passes booleans as "--call true|false"; a bare flag means true.
TEST(Settings, AfXdpFlagsTakeAnOptionalBoolean) {
    EXPECT_TRUE(parse({"-i", "eth0", "--xdp-take-host-traffic"}).xdp.take_host_traffic);
    EXPECT_TRUE(parse({"-i", "eth0", "--xdp-take-host-traffic", "true"}).xdp.take_host_traffic);
    EXPECT_FALSE(parse({"-i", "eth0", "--xdp-take-host-traffic", "false"}).xdp.take_host_traffic);
    EXPECT_FALSE(parse({"-i", "eth0", "--xdp-take-host-traffic=false"}).xdp.take_host_traffic);
    EXPECT_FALSE(parse({"-i", "eth0", "--xdp-share", "false", "-c", "1"}).xdp.share);
    const Settings extcap = parse({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo",
                                   "f", "--xdp-take-host-traffic", "false", "--xdp-share", "true",
                                   "--backend", "afxdp", "--xdp-queues", "all"});
    EXPECT_FALSE(extcap.xdp.take_host_traffic);
    EXPECT_TRUE(extcap.xdp.share);
    EXPECT_TRUE(extcap.xdp.queues.empty());
    EXPECT_TRUE(extcap.ignored.empty()) << "the boolean was taken, not ignored";
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-share=maybe"}), HasSubstr("--xdp-share"));
}

TEST(SettingsErrors, AfXdpBadValues) {
    const std::string queues = usage_error({"-i", "eth0", "--xdp-queues", "3-1"});
    EXPECT_THAT(queues, HasSubstr("--xdp-queues"));
    EXPECT_THAT(queues, HasSubstr("'3-1'"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-queues", "1,1"}), HasSubstr("--xdp-queues"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-mode", "fast"}), HasSubstr("--xdp-mode"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-frame-size", "3000"}), HasSubstr("power of two"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-frame-size", "8192"}),
                HasSubstr("--xdp-frame-size"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-fill-ring", "1000"}),
                HasSubstr("--xdp-fill-ring"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-rx-ring", "32"}), HasSubstr("--xdp-rx-ring"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-busy-poll", "1000001"}),
                HasSubstr("--xdp-busy-poll"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--xdp-busy-poll-budget", "0"}),
                HasSubstr("--xdp-busy-poll-budget"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--backend", "xdp"}), HasSubstr("afxdp"));
}

// The queue list syntax of --xdp-queues (core: parse_queue_list, queue_list_text).
TEST(QueueList, ParsesNumbersAndRanges) {
    using Queues = std::vector<std::uint32_t>;
    EXPECT_EQ(parse_queue_list("0"), Queues{0});
    EXPECT_EQ(parse_queue_list("0,2"), (Queues{0, 2}));
    EXPECT_EQ(parse_queue_list("1-3"), (Queues{1, 2, 3}));
    EXPECT_EQ(parse_queue_list("0,4-6,9"), (Queues{0, 4, 5, 6, 9}));
    EXPECT_EQ(parse_queue_list("65535"), Queues{65535});
    for (std::string_view bad : {"", ",", "1,", ",1", "a", "1-", "-1", "3-1", "1,1", "2,1", "0-2,2",
                                 "65536", "1 2", "1;2", "0x1"}) {
        EXPECT_FALSE(parse_queue_list(bad)) << "'" << bad << "'";
    }
}

TEST(QueueList, TextCompressesRanges) {
    EXPECT_EQ(queue_list_text({0}), "0");
    EXPECT_EQ(queue_list_text({0, 1, 2, 3}), "0-3");
    EXPECT_EQ(queue_list_text({0, 1, 2, 5, 7, 8}), "0-2,5,7-8");
    EXPECT_EQ(queue_list_text({}), "");
    EXPECT_EQ(parse_queue_list(queue_list_text({1, 3, 4, 5})),
              (std::vector<std::uint32_t>{1, 3, 4, 5}));
}

TEST(Backend, NamesRoundTrip) {
    for (Backend backend : {Backend::automatic, Backend::tpacket, Backend::pcap, Backend::afxdp}) {
        EXPECT_EQ(parse_backend(backend_name(backend)), backend);
    }
    for (XdpMode mode : {XdpMode::automatic, XdpMode::native, XdpMode::generic}) {
        EXPECT_EQ(parse_xdp_mode(xdp_mode_name(mode)), mode);
    }
    EXPECT_EQ(backend_name(Backend::afxdp), "afxdp");
    EXPECT_FALSE(parse_xdp_mode("skb"));
}

// ---------------------------------------------------------------------------------------------
// Usage errors name the option

TEST(SettingsErrors, UnknownOption) {
    EXPECT_THAT(usage_error({"-i", "eth0", "--bogus"}), HasSubstr("'--bogus'"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-x"}), HasSubstr("'-x'"));
}

TEST(SettingsErrors, MissingValue) {
    EXPECT_THAT(usage_error({"-i"}), HasSubstr("-i"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-w"}), HasSubstr("-w"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--snaplen"}), HasSubstr("--snaplen"));
}

TEST(SettingsErrors, SnapLengthOutOfRange) {
    const std::string message = usage_error({"-i", "eth0", "-s", "262145"});
    EXPECT_THAT(message, HasSubstr("-s"));
    EXPECT_THAT(message, HasSubstr("262145"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--snaplen", "12x"}), HasSubstr("--snaplen"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-s", "-1"}), HasSubstr("-s"));
}

TEST(SettingsErrors, BufferSizeZero) {
    const std::string message = usage_error({"-i", "eth0", "-B", "0"});
    EXPECT_THAT(message, HasSubstr("-B"));
    EXPECT_THAT(message, HasSubstr("'0'"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-B", "65537"}), HasSubstr("-B"));
}

TEST(SettingsErrors, BlockSizeNotAPowerOfTwo) {
    const std::string message = usage_error({"-i", "eth0", "--block-size", "1000"});
    EXPECT_THAT(message, HasSubstr("--block-size"));
    EXPECT_THAT(message, HasSubstr("1000"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--block-size", "2"}), HasSubstr("--block-size"));
}

TEST(SettingsErrors, OtherBadValues) {
    const std::string backend = usage_error({"-i", "eth0", "--backend", "foo"});
    EXPECT_THAT(backend, HasSubstr("--backend"));
    EXPECT_THAT(backend, HasSubstr("foo"));
    const std::string autostop = usage_error({"-i", "eth0", "-a", "bogus:1"});
    EXPECT_THAT(autostop, HasSubstr("-a"));
    EXPECT_THAT(autostop, HasSubstr("bogus:1"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-a", "duration:0"}), HasSubstr("-a"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-a", "duration:nan"}), HasSubstr("-a"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-a", "packets:0"}), HasSubstr("-a"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-a", "filesize:"}), HasSubstr("-a"));
    const std::string promisc = usage_error({"-i", "eth0", "--promisc", "maybe"});
    EXPECT_THAT(promisc, HasSubstr("--promisc"));
    EXPECT_THAT(promisc, HasSubstr("maybe"));
    EXPECT_THAT(usage_error({"-i", "eth0", "-c", "0"}), HasSubstr("-c"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--block-timeout", "10001"}),
                HasSubstr("--block-timeout"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--log-level", "loud"}), HasSubstr("--log-level"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--quiet=yes"}), HasSubstr("--quiet"));
}

TEST(SettingsErrors, FilterGivenBothWays) {
    EXPECT_THAT(usage_error({"-i", "eth0", "-f", "tcp", "udp"}), HasSubstr("-f"));
}

TEST(SettingsErrors, NoInterface) {
    EXPECT_THAT(usage_error({"-w", "out.pcapng"}), HasSubstr("-i"));
    EXPECT_THAT(usage_error({}), HasSubstr("-i"));
}

// ---------------------------------------------------------------------------------------------
// Extcap mode

TEST(SettingsExtcap, CaptureWithInterfaceAndFifo) {
    const Settings s =
        parse({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo", "/tmp/fifo"});
    EXPECT_EQ(s.mode, Mode::extcap_capture);
    EXPECT_EQ(s.interfaces, std::vector<std::string>{"eth0"});
    EXPECT_EQ(s.output, "/tmp/fifo");
    // The advertised defaults are applied by ringdump itself.
    EXPECT_EQ(s.snap_length, 262144u);
    EXPECT_TRUE(s.promiscuous);
    EXPECT_EQ(s.buffer_mib, 128u);
    EXPECT_EQ(s.backend, Backend::automatic);
}

// What tshark passes: defaults explicitly, the filter, then the FIFO.
TEST(SettingsExtcap, CaptureAsTsharkCallsIt) {
    const Settings s =
        parse({"--capture", "--extcap-interface", "ringdump-veth-a", "--extcap-capture-filter",
               "udp port 53", "--fifo", "/tmp/wireshark_extcap_ringdump-veth-aXYZ123", "--snaplen",
               "1024", "--promisc", "false", "--buffer-size", "16", "--block-timeout", "5",
               "--backend", "pcap", "--log-level", "info"});
    EXPECT_EQ(s.mode, Mode::extcap_capture);
    EXPECT_EQ(s.interfaces, std::vector<std::string>{"veth-a"});
    EXPECT_EQ(s.filter, "udp port 53");
    EXPECT_EQ(s.output, "/tmp/wireshark_extcap_ringdump-veth-aXYZ123");
    EXPECT_EQ(s.snap_length, 1024u);
    EXPECT_FALSE(s.promiscuous);
    EXPECT_EQ(s.buffer_mib, 16u);
    EXPECT_EQ(s.block_timeout_ms, 5u);
    EXPECT_EQ(s.backend, Backend::pcap);
    EXPECT_EQ(s.log_level, LogLevel::info);
}

TEST(SettingsExtcap, UnknownOptionsAreIgnored) {
    const Settings s = parse({"--capture", "--future-opt", "5", "--extcap-interface",
                              "ringdump-eth0", "--flag", "true", "--fifo", "/tmp/f", "--inline=3",
                              "--bare-flag", "--snaplen", "100", "--last-flag"});
    EXPECT_EQ(s.mode, Mode::extcap_capture);
    EXPECT_EQ(s.interfaces, std::vector<std::string>{"eth0"});
    EXPECT_EQ(s.output, "/tmp/f");
    EXPECT_EQ(s.snap_length, 100u);
    EXPECT_EQ(s.ignored, (std::vector<std::string>{"--future-opt", "5", "--flag", "true",
                                                   "--inline=3", "--bare-flag", "--last-flag"}));
}

TEST(SettingsExtcap, ControlPipesAndReloadOptionAreAccepted) {
    const Settings s =
        parse({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo", "f",
               "--extcap-control-in", "/tmp/in", "--extcap-control-out", "/tmp/out"});
    EXPECT_EQ(s.mode, Mode::extcap_capture);
    const Settings reload = parse({"--extcap-config", "--extcap-interface", "ringdump-eth0",
                                   "--extcap-reload-option", "backend"});
    EXPECT_EQ(reload.mode, Mode::extcap_config);
}

TEST(SettingsExtcap, InterfaceWithoutPrefixIsAnError) {
    const std::string message =
        usage_error({"--capture", "--extcap-interface", "eth0", "--fifo", "/tmp/f"});
    EXPECT_THAT(message, HasSubstr("'eth0'"));
    EXPECT_THAT(message, HasSubstr("ringdump-"));
    EXPECT_THAT(usage_error({"--extcap-dlts", "--extcap-interface", "eth0"}), HasSubstr("eth0"));
}

TEST(SettingsExtcap, MissingInterfaceOrFifo) {
    EXPECT_THAT(usage_error({"--capture", "--fifo", "/tmp/f"}), HasSubstr("--extcap-interface"));
    EXPECT_THAT(usage_error({"--capture", "--extcap-interface", "ringdump-eth0"}),
                HasSubstr("--fifo"));
    EXPECT_THAT(usage_error({"--extcap-dlts"}), HasSubstr("--extcap-interface"));
}

TEST(SettingsExtcap, SnapLengthZeroIsOutsideTheAdvertisedRange) {
    EXPECT_THAT(usage_error({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo", "f",
                             "--snaplen", "0"}),
                HasSubstr("--snaplen"));
}

TEST(SettingsExtcap, FilterCheckWithoutCapture) {
    const Settings s =
        parse({"--extcap-capture-filter", "tcp port 80", "--extcap-interface", "ringdump-eth0"});
    EXPECT_EQ(s.mode, Mode::extcap_filter_check);
    EXPECT_EQ(s.filter, "tcp port 80");
    EXPECT_EQ(s.interfaces, std::vector<std::string>{"eth0"});
}

TEST(SettingsExtcap, InterfacesQueryWithVersion) {
    const Settings s = parse({"--extcap-interfaces", "--extcap-version=4.0"});
    EXPECT_EQ(s.mode, Mode::extcap_interfaces);
    EXPECT_EQ(s.extcap_version, "4.0");
    EXPECT_EQ(parse({"--extcap-interfaces"}).mode, Mode::extcap_interfaces);
}

TEST(SettingsExtcap, DltsAndConfigQueries) {
    const Settings dlts = parse({"--extcap-dlts", "--extcap-interface", "ringdump-lo"});
    EXPECT_EQ(dlts.mode, Mode::extcap_dlts);
    EXPECT_EQ(dlts.interfaces, std::vector<std::string>{"lo"});
    const Settings config = parse({"--extcap-config", "--extcap-interface", "ringdump-tun0"});
    EXPECT_EQ(config.mode, Mode::extcap_config);
    EXPECT_EQ(config.interfaces, std::vector<std::string>{"tun0"});
    EXPECT_EQ(parse({"--extcap-config"}).mode, Mode::extcap_config);
}

TEST(SettingsExtcap, CaptureDetectionAndFifoPathBeforeParsing) {
    const std::vector<std::string_view> capture = {"--capture", "--extcap-interface",
                                                   "ringdump-eth0", "--fifo", "/tmp/x"};
    EXPECT_TRUE(is_extcap_capture(capture));
    EXPECT_EQ(fifo_path(capture), "/tmp/x");

    const std::vector<std::string_view> inline_fifo = {"--fifo=/tmp/y", "--capture"};
    EXPECT_TRUE(is_extcap_capture(inline_fifo));
    EXPECT_EQ(fifo_path(inline_fifo), "/tmp/y");

    const std::vector<std::string_view> query = {"--extcap-interfaces"};
    EXPECT_FALSE(is_extcap_capture(query));
    EXPECT_EQ(fifo_path(query), "");

    const std::vector<std::string_view> dangling = {"--capture", "--fifo"};
    EXPECT_EQ(fifo_path(dangling), "");
    // Even arguments parse_settings would reject give the FIFO, so the error can go there.
    const std::vector<std::string_view> bad = {"--capture", "--fifo", "/tmp/z", "--snaplen",
                                               "huge"};
    EXPECT_TRUE(is_extcap_capture(bad));
    EXPECT_EQ(fifo_path(bad), "/tmp/z");
}

// ---------------------------------------------------------------------------------------------
// Annotations

TEST(SettingsAnnotations, OnByDefaultWithWholePacketsForTheAnnotator) {
    const Settings s = parse({"-i", "eth0", "-s", "64"});
    EXPECT_TRUE(s.annotate);
    EXPECT_TRUE(s.local_networks.empty());
    EXPECT_EQ(s.max_flows, 262144u);
    EXPECT_EQ(s.flow_memory_mib, 256u);
    const SourceOptions options = source_options(s, "eth0");
    EXPECT_TRUE(options.whole_packets) << "the kernel keeps whole packets for the annotator";
    EXPECT_EQ(options.snap_length, 64u) << "the file still stores the snap length";
}

TEST(SettingsAnnotations, TurnedOffByFlagOrExtcapOption) {
    const Settings flag = parse({"-i", "eth0", "--no-annotations"});
    EXPECT_FALSE(flag.annotate);
    EXPECT_FALSE(source_options(flag, "eth0").whole_packets);
    const Settings extcap = parse({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo",
                                   "/tmp/f", "--annotations", "false"});
    EXPECT_FALSE(extcap.annotate);
    EXPECT_TRUE(parse({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo", "/tmp/f",
                       "--annotations", "true"})
                    .annotate);
}

TEST(SettingsAnnotations, LocalNetworksRepeatedOrCommaSeparated) {
    const Settings s = parse({"-i", "eth0", "--local-net", "198.18.0.0/15", "--local-net",
                              "2001:db8::/32, 10.0.0.0/8,192.0.2.1"});
    ASSERT_EQ(s.local_networks.size(), 4u);
    EXPECT_EQ(s.local_networks[0].to_string(), "198.18.0.0/15");
    EXPECT_EQ(s.local_networks[1].to_string(), "2001:db8::/32");
    EXPECT_EQ(s.local_networks[2].to_string(), "10.0.0.0/8");
    EXPECT_EQ(s.local_networks[3].to_string(), "192.0.2.1/32");
}

TEST(SettingsAnnotations, BadValuesNameTheOption) {
    EXPECT_THAT(usage_error({"-i", "eth0", "--local-net", "198.18.0.0/33"}),
                HasSubstr("--local-net"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--local-net", "10.0.0.0/8,nonsense"}),
                HasSubstr("'nonsense'"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--max-flows", "10"}), HasSubstr("--max-flows"));
    EXPECT_THAT(usage_error({"-i", "eth0", "--flow-memory", "0"}), HasSubstr("--flow-memory"));
    EXPECT_THAT(usage_error({"--capture", "--extcap-interface", "ringdump-eth0", "--fifo", "/f",
                             "--annotations", "maybe"}),
                HasSubstr("--annotations"));
}

TEST(SettingsAnnotations, AnnotateReadsOneFile) {
    const Settings s =
        parse({"annotate", "in.pcap", "-w", "out.pcapng", "--local-net", "10.0.0.0/8"});
    EXPECT_EQ(s.mode, Mode::annotate);
    EXPECT_EQ(s.input, "in.pcap");
    EXPECT_EQ(s.output, "out.pcapng");
    EXPECT_EQ(s.local_networks.size(), 1u);
    EXPECT_TRUE(s.interfaces.empty());
    EXPECT_THAT(usage_error({"annotate", "-w", "out.pcapng"}), HasSubstr("ringdump annotate IN"));
    EXPECT_THAT(usage_error({"annotate", "a.pcap", "b.pcap", "-w", "o"}),
                HasSubstr("ringdump annotate IN"));
    EXPECT_THAT(usage_error({"annotate", "a.pcap", "-i", "eth0", "-w", "o"}),
                HasSubstr("ringdump annotate IN"));
}

}  // namespace
}  // namespace ringdump::app
