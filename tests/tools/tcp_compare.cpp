// SPDX-License-Identifier: BSD-2-Clause
// tcp_compare: ringdump's per-packet TCP annotations against Wireshark's own TCP analysis of the
// same file.
//
//   tcp_compare --tshark FILE.tsv [--capture FILE.pcapng] [--threshold 0.99] [--strict]
//               [--list N] [--label TEXT] [--max-holes N]
//   tcp_compare --self-test
//
// FILE.tsv is what tshark prints for the capture (tests/e2e/e2e_tcp_analysis.sh runs it):
//   tshark -r FILE -Y tcp -T fields -E header=y -E separator=/t -E occurrence=f -e FIELD...
// with the fields in kTsharkFields below, in any order (columns are found by the header line).
// tshark prints an analysis field (an expert item) as "1" when present, nothing when absent.
// FILE.pcapng is the annotated capture: EPB option 2989 = 4-byte PEN (the section's byte order,
// host order as ringdump writes) + the record of ringdump/annotation_format.h. Frame numbers are
// EPB positions from 1, as tshark counts them; the TCP sequence number and length of every frame
// are checked against the TSV, so a misaligned pair of files is refused.
//
// Categories (T = tshark, R = ringdump; per frame, TCP over IPv4 only):
//   not advancing     T: retransmission (incl. fast and spurious) or out_of_order
//                     R: retransmission, partial_overlap or hole_filled
//   retransmission    T: tcp.analysis.retransmission (Wireshark sets it for fast and spurious
//                        retransmissions too)      R: retransmission or partial_overlap
//   out-of-order      T: tcp.analysis.out_of_order R: hole_filled
//   gap               T: tcp.analysis.lost_segment ("previous segment not captured", flagged on
//                        the first segment after the hole)
//                     R: tcp_status out_of_order (ahead of the stream) or gap_bytes > 0
//   ack of unseen     T: tcp.analysis.ack_lost_segment   R: capture_loss_bytes > 0
// For each: flagged by T, by R, by both, agreement = both / union. ringdump's out_of_order is
// Wireshark's lost_segment, not Wireshark's out_of_order (which is a timing call, see below).
//
// The two sides classify on different axes. ringdump classifies a segment by the bytes the
// capture holds (seen before, missing, ahead). Wireshark 4.0 (epan/dissectors/packet-tcp.c,
// tcp_analyze_sequence_number) classifies a segment that does not advance its direction's
// highest sequence number (nextseq) by precedence:
//   keep-alive          0-1 byte at nextseq-1: not a retransmission at all
//   exception           len > 1 and seq == nextseq-1: not flagged (zero window probe follow-up)
//   spurious            seq+len <= the peer's last ACK           (checked whether or not seq
//                                                                  advanced)
//   fast retransmission >= 2 duplicate ACKs from the peer, seq == their ACK, < 20 ms after the
//                       peer's last packet (tcp.fastrt_supersedes_ooo, default TRUE)
//   out-of-order        < ooo_thres after the segment that set nextseq and not ending exactly at
//                       nextseq; ooo_thres = the handshake's initial RTT, 3 ms without one
//   retransmission      otherwise
// and flags lost_segment when seq > nextseq on any segment but RST (pure ACKs too; nextseq only
// moves with segments, never with ACKs), and ack_lost_segment when an ACK passes the data
// sender's maxseqtobeacked. That is the highest contiguous sequence seen, except that Wireshark
// moves it straight to nextseq (past any hole above) when a segment starts exactly at it and
// when it flags ack_lost_segment; holes it jumped over are never reported (this is 4.0.17's
// rule, which reproduces tshark on every frame here; later versions changed it).
// So: a hole filled by a retransmission is a Wireshark "retransmission" and a ringdump
// "hole_filled"; a duplicate arriving within ooo_thres behind newer data is a Wireshark
// "out-of-order" and a ringdump "retransmission"; Wireshark flags an ACK of missed bytes only
// when they lie above maxseqtobeacked, ringdump every ACK that covers bytes the capture missed.
//
// To explain differences without hiding them, tcp_compare runs two references of its own on the
// TSV: a model of the Wireshark rules above (its flags are compared with tshark's on every
// frame, and the agreement is printed), and a byte-level tracker of what the capture holds per
// direction (the facts ringdump's statuses are defined by). A frame where the two sides differ
// in a category is "explained" when the model reproduces tshark's flags on that frame exactly
// AND the byte tracker agrees with ringdump's call; the reason names the Wireshark rule that
// fired and the byte fact. The byte tracker counts bytes the peer acknowledged as known (as
// ringdump does: a later copy is a retransmission) and also knows ringdump's documented limit: it
// keeps tcp::kMaxHoles holes per direction (--max-holes) and forgets the lowest, flagging
// holes_dropped on that packet; a difference that the forgotten hole accounts for is explained as
// "ringdump limit" only when ringdump flagged holes_dropped on the very packet where the tracker
// forgot it. Anything else is "unexplained". Every difference is listed (up to
// --list, default 40) with both sides' view.
//
// Where the model itself does not reproduce tshark's flags on a frame (a rule it lacks), a
// difference there is explained only by the bytes, and the model's fidelity is gated on its own:
// it must reproduce tshark on at least 99.9% of the TCP frames.
//
// Exit status: 0 when, in every category and overall, (both + explained) / union >= threshold
// (with --strict: both / union) and the model reproduces tshark on >= 99.9% of frames; 1 below; 2
// bad input; 3 the capture holds no annotations (or none was given): the tshark side, the model
// check and a preview with the byte tracker standing in for ringdump are still printed.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pcapng_reader.h"
#include "ringdump/annotation_format.h"
#include "ringdump/pcapng_writer.h"
#include "ringdump/sink.h"
#include "tcp_tracker.h"  // kMaxHoles: the byte model mirrors the tracker's budget

namespace {

namespace annotation = ringdump::annotation;
using annotation::TcpStatus;

// The fields tcp_compare reads from the TSV.
constexpr std::array<std::string_view, 21> kTsharkFields = {
    "frame.number",
    "frame.time_epoch",
    "ip.proto",
    "ip.src",
    "tcp.srcport",
    "tcp.stream",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.len",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.analysis.initial_rtt",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.keep_alive",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window_probe",
};

// Wireshark's analysis flags (as tshark reports them, and as the model computes them).
namespace ws {
constexpr std::uint16_t kRetransmission = 0x001, kFast = 0x002, kSpurious = 0x004,
                        kOutOfOrder = 0x008, kLost = 0x010, kAckLost = 0x020, kKeepAlive = 0x040,
                        kDupAck = 0x080, kZeroWindowProbe = 0x100;
constexpr std::uint16_t kRetransmissionFamily = kRetransmission | kFast | kSpurious;
// The flags the comparison uses; the model must match tshark on these to explain a frame.
constexpr std::uint16_t kCompared = kRetransmissionFamily | kOutOfOrder | kLost | kAckLost;
}  // namespace ws

namespace tcpflag {
constexpr std::uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
}

// What the capture holds, for one segment, relative to its direction's stream.
enum class Bytes {
    none,         // no payload (or before the stream start)
    fresh,        // starts exactly at the highest byte seen so far
    ahead,        // starts beyond it: a hole before
    repeat,       // every byte seen before
    overlap,      // [seq, highest) seen before, then new bytes
    fill,         // bytes below the highest that the capture had not seen, none seen before
    mixed,        // below the highest: some seen before, some not
    fill_beyond,  // fills missing bytes below the highest, none seen before, and goes beyond it
    keep_alive,   // 0 or 1 byte at highest - 1
};

const char* bytes_name(Bytes b) {
    switch (b) {
        case Bytes::none:
            return "-";
        case Bytes::fresh:
            return "new";
        case Bytes::ahead:
            return "ahead";
        case Bytes::repeat:
            return "repeat";
        case Bytes::overlap:
            return "overlap";
        case Bytes::fill:
            return "fill";
        case Bytes::mixed:
            return "fill+repeat";
        case Bytes::fill_beyond:
            return "fill+new";
        case Bytes::keep_alive:
            return "keep-alive";
    }
    return "?";
}

const char* status_name(TcpStatus s) {
    switch (s) {
        case TcpStatus::none:
            return "none";
        case TcpStatus::in_order:
            return "in_order";
        case TcpStatus::retransmission:
            return "retransmission";
        case TcpStatus::partial_overlap:
            return "partial_overlap";
        case TcpStatus::out_of_order:
            return "out_of_order";
        case TcpStatus::hole_filled:
            return "hole_filled";
        case TcpStatus::keep_alive:
            return "keep_alive";
        case TcpStatus::window_probe:
            return "window_probe";
        case TcpStatus::ack_only:
            return "ack_only";
        case TcpStatus::handshake:
            return "handshake";
        case TcpStatus::reset:
            return "reset";
    }
    return "?";
}

struct Frame {
    std::uint32_t number = 0;
    std::int64_t ts_ns = 0;
    std::uint32_t stream = 0;
    int dir = 0;  // 0: same sender as the stream's first frame
    std::uint32_t seq = 0, ack = 0, len = 0, window = 0;
    std::uint16_t flags = 0;
    std::int64_t irtt_ns = -1;  // tcp.analysis.initial_rtt when tshark printed it
    std::uint16_t tshark = 0;   // ws:: flags
    // The model of Wireshark's rules.
    std::uint16_t model = 0;
    std::string rule;
    std::uint32_t maxseq_jump_frame = 0;  // ACK frames: the last frame that moved the peer's
                                          // maxseqtobeacked past a hole
    // The byte tracker.
    Bytes bytes = Bytes::none;
    std::uint64_t offset = 0, gap = 0, unseen_acked = 0;
    // The same with ringdump's hole budget (holes it forgot count as seen), and the frame at
    // which the hole these bytes fall in was forgotten (0: none).
    Bytes bytes_bounded = Bytes::none;
    std::uint64_t unseen_acked_bounded = 0;
    std::uint32_t forgotten_at = 0;
    // ringdump.
    std::optional<annotation::Record> record;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "tcp_compare: %s\n", message.c_str());
    std::exit(2);
}

// ---------------------------------------------------------------------------------------------
// Input

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        out.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
        if (tab == std::string_view::npos) return out;
        start = tab + 1;
    }
}

template <typename T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
    if (base == 16 && text.starts_with("0x")) text.remove_prefix(2);
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "1795383187.197048000" (seconds with up to 9 decimals) to nanoseconds.
std::optional<std::int64_t> parse_seconds_ns(std::string_view text) {
    const std::size_t dot = text.find('.');
    const auto whole = parse_number<std::int64_t>(text.substr(0, dot));
    if (!whole) return std::nullopt;
    std::int64_t ns = *whole * 1000000000;
    if (dot != std::string_view::npos) {
        std::string_view frac = text.substr(dot + 1);
        if (frac.size() > 9) frac = frac.substr(0, 9);
        std::int64_t scale = 100000000;
        for (char c : frac) {
            if (c < '0' || c > '9') return std::nullopt;
            ns += (c - '0') * scale;
            scale /= 10;
        }
    }
    return ns;
}

// Reads tshark's TSV: the TCP frames, in file order.
std::vector<Frame> read_tsv(std::istream& in, const std::string& name) {
    std::string line;
    if (!std::getline(in, line)) die(name + ": empty (no header line)");
    std::map<std::string, std::size_t, std::less<>> column;
    const auto header = split_tabs(line);
    for (std::size_t i = 0; i < header.size(); ++i)
        column.emplace(std::string(header[i]), i);
    std::array<std::size_t, kTsharkFields.size()> at{};
    for (std::size_t i = 0; i < kTsharkFields.size(); ++i) {
        const auto it = column.find(kTsharkFields[i]);
        if (it == column.end()) {
            die(name + ": no column " + std::string(kTsharkFields[i]) +
                " (run tshark with -E header=y and every field tcp_compare needs)");
        }
        at[i] = it->second;
    }
    enum {
        kNumber,
        kTime,
        kProto,
        kSrc,
        kSrcPort,
        kStream,
        kSeq,
        kAck,
        kLen,
        kFlags,
        kWindow,
        kIrtt,
        kRetx,
        kFast,
        kSpur,
        kOoo,
        kLost,
        kAckLost,
        kKeepAlive,
        kDupAck,
        kZwp
    };
    std::vector<Frame> frames;
    std::map<std::uint32_t, std::string> first_sender;
    std::size_t line_number = 1;
    while (std::getline(in, line)) {
        ++line_number;
        if (line.empty()) continue;
        const auto cells = split_tabs(line);
        auto cell = [&](int field) -> std::string_view {
            const std::size_t i = at[static_cast<std::size_t>(field)];
            return i < cells.size() ? cells[i] : std::string_view();
        };
        auto bad = [&](const char* what) {
            die(name + ":" + std::to_string(line_number) + ": bad " + what + " '" + line + "'");
        };
        if (cell(kStream).empty() || cell(kProto) != "6") continue;  // not TCP over IPv4
        Frame f;
        const auto number = parse_number<std::uint32_t>(cell(kNumber));
        const auto ts = parse_seconds_ns(cell(kTime));
        const auto stream = parse_number<std::uint32_t>(cell(kStream));
        const auto seq = parse_number<std::uint32_t>(cell(kSeq));
        const auto ack = parse_number<std::uint32_t>(cell(kAck));
        const auto len = parse_number<std::uint32_t>(cell(kLen));
        const auto flags = parse_number<std::uint16_t>(cell(kFlags), 16);
        const auto window = parse_number<std::uint32_t>(cell(kWindow));
        if (!number) bad("frame.number");
        if (!ts) bad("frame.time_epoch");
        if (!stream || !seq || !ack || !len || !flags || !window) bad("TCP field");
        f.number = *number;
        f.ts_ns = *ts;
        f.stream = *stream;
        f.seq = *seq;
        f.ack = *ack;
        f.len = *len;
        f.flags = *flags;
        f.window = *window;
        if (!cell(kIrtt).empty()) {
            const auto irtt = parse_seconds_ns(cell(kIrtt));
            if (!irtt) bad("tcp.analysis.initial_rtt");
            f.irtt_ns = *irtt;
        }
        const std::string sender = std::string(cell(kSrc)) + ":" + std::string(cell(kSrcPort));
        const auto [it, fresh] = first_sender.emplace(f.stream, sender);
        f.dir = it->second == sender ? 0 : 1;
        const std::pair<int, std::uint16_t> present[] = {
            {kRetx, ws::kRetransmission}, {kFast, ws::kFast},     {kSpur, ws::kSpurious},
            {kOoo, ws::kOutOfOrder},      {kLost, ws::kLost},     {kAckLost, ws::kAckLost},
            {kKeepAlive, ws::kKeepAlive}, {kDupAck, ws::kDupAck}, {kZwp, ws::kZeroWindowProbe},
        };
        for (const auto& [field, flag] : present) {
            if (!cell(field).empty()) f.tshark |= flag;
        }
        if (!frames.empty() && f.number <= frames.back().number) bad("frame order");
        frames.push_back(std::move(f));
    }
    return frames;
}

// The TCP sequence number and payload length of a captured frame, from its bytes.
struct Segment {
    std::uint32_t seq = 0;
    std::uint32_t len = 0;
};

std::uint32_t be32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

std::optional<Segment> parse_segment(std::uint16_t link_type, const std::vector<std::uint8_t>& d) {
    std::size_t at = 0;
    std::uint16_t ethertype = 0;
    switch (link_type) {
        case 1:  // Ethernet, with any VLAN tags
            if (d.size() < 14) return std::nullopt;
            at = 12;
            ethertype = be16(&d[at]);
            while ((ethertype == 0x8100 || ethertype == 0x88a8) && d.size() >= at + 6) {
                at += 4;
                ethertype = be16(&d[at]);
            }
            at += 2;
            break;
        case 101:  // raw IP
        case 228:  // IPv4
            break;
        case 113:  // Linux cooked
            if (d.size() < 16) return std::nullopt;
            ethertype = be16(&d[14]);
            at = 16;
            break;
        case 276:  // Linux cooked v2
            if (d.size() < 20) return std::nullopt;
            ethertype = be16(&d[0]);
            at = 20;
            break;
        default:
            return std::nullopt;
    }
    if (ethertype != 0 && ethertype != 0x0800) return std::nullopt;
    if (d.size() < at + 20 || (d[at] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = std::size_t{d[at] & 0x0Fu} * 4;
    const std::size_t total = be16(&d[at + 2]);
    if (d[at + 9] != 6 || (be16(&d[at + 6]) & 0x1FFF) != 0 || total < ihl + 20) return std::nullopt;
    const std::size_t tcp = at + ihl;
    if (d.size() < tcp + 20) return std::nullopt;
    const std::size_t data_offset = std::size_t{static_cast<std::uint8_t>(d[tcp + 12] >> 4)} * 4;
    if (total < ihl + data_offset) return std::nullopt;
    return Segment{be32(&d[tcp + 4]), static_cast<std::uint32_t>(total - ihl - data_offset)};
}

struct Capture {
    std::size_t packets = 0;
    std::size_t annotated = 0;
};

// Attaches ringdump's record to each frame and checks that the frames are the capture's.
Capture read_capture(const std::string& path, std::vector<Frame>& frames) {
    ringdump::test::ReadFile file;
    try {
        file = ringdump::test::read_pcapng(ringdump::test::read_file(path));
    } catch (const std::exception& e) {
        die(path + ": " + e.what());
    }
    Capture capture;
    capture.packets = file.packets.size();
    std::vector<std::optional<annotation::Record>> records(file.packets.size());
    std::size_t undecodable = 0;
    for (std::size_t i = 0; i < file.packets.size(); ++i) {
        const auto [begin, end] = file.packets[i].options.equal_range(annotation::kOptionCode);
        for (auto it = begin; it != end; ++it) {
            const std::vector<std::uint8_t>& value = it->second;
            std::uint32_t pen = 0;
            if (value.size() < 4) continue;
            std::memcpy(&pen, value.data(), 4);
            if (pen != annotation::kPen) continue;
            records[i] = annotation::decode(std::span(value).subspan(4));
            if (records[i]) {
                ++capture.annotated;
            } else {
                ++undecodable;
            }
            break;
        }
    }
    if (undecodable > 0) {
        die(path + ": " + std::to_string(undecodable) + " annotation records do not decode");
    }
    std::size_t mismatched = 0;
    for (Frame& f : frames) {
        if (f.number == 0 || f.number > file.packets.size()) {
            die("frame " + std::to_string(f.number) + " of the TSV is not in " + path + " (" +
                std::to_string(file.packets.size()) + " packets): not the same file");
        }
        const ringdump::test::ReadPacket& packet = file.packets[f.number - 1];
        const std::uint16_t link_type = packet.interface_id < file.interfaces.size()
                                            ? file.interfaces[packet.interface_id].link_type
                                            : 0;
        const auto segment = parse_segment(link_type, packet.data);
        if (segment && (segment->seq != f.seq || segment->len != f.len)) ++mismatched;
        f.record = records[f.number - 1];
    }
    if (mismatched > 0) {
        die(std::to_string(mismatched) + " frames of " + path +
            " have another TCP sequence number or length than the TSV says: not the same file");
    }
    return capture;
}

// ---------------------------------------------------------------------------------------------
// The model of Wireshark 4.0's tcp_analyze_sequence_number (the parts that set the compared
// flags, and the state they depend on). Sequence arithmetic on raw 32-bit numbers, as there.

bool gt_seq(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(b - a) < 0;
}
bool lt_seq(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b) < 0;
}
bool le_seq(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b) <= 0;
}

std::string ms(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(ns) / 1e6);
    return text;
}

void run_model(std::vector<Frame>& frames) {
    struct Flow {
        std::uint32_t nextseq = 0, lastack = 0, maxseqtobeacked = 0, window = 0xFFFFFFFF;
        std::int64_t nextseq_time = 0, lastack_time = 0;
        int dupacknum = 0;
        std::uint16_t last_flags = 0;
        std::uint32_t maxseq_jump_frame = 0;
    };
    struct Stream {
        std::array<Flow, 2> flow;
        std::int64_t irtt_ns = 0;
    };
    std::map<std::uint32_t, Stream> streams;
    for (Frame& f : frames) {
        Stream& stream = streams[f.stream];
        if (f.irtt_ns > 0) stream.irtt_ns = f.irtt_ns;
        Flow& fwd = stream.flow[static_cast<std::size_t>(f.dir)];
        Flow& rev = stream.flow[static_cast<std::size_t>(1 - f.dir)];
        const bool syn_fin = (f.flags & (tcpflag::kSyn | tcpflag::kFin)) != 0;
        const bool syn_fin_rst = (f.flags & (tcpflag::kSyn | tcpflag::kFin | tcpflag::kRst)) != 0;
        std::uint16_t flags = 0;
        std::string rule;
        bool skip_to_finished_fwd = false;

        if (f.len == 1 && f.seq == fwd.nextseq && rev.window == 0) {
            flags |= ws::kZeroWindowProbe;
            skip_to_finished_fwd = true;
        }
        if (!skip_to_finished_fwd) {
            if (fwd.nextseq != 0 && gt_seq(f.seq, fwd.nextseq) && (f.flags & tcpflag::kRst) == 0) {
                flags |= ws::kLost;
                rule += "lost_segment: seq is " + std::to_string(f.seq - fwd.nextseq) +
                        " beyond nextseq" + (f.len == 0 ? " (a segment without payload)" : "") +
                        "; ";
            }
            if ((f.len == 0 || f.len == 1) && f.seq == fwd.nextseq - 1 && !syn_fin_rst) {
                flags |= ws::kKeepAlive;
            }
            const bool same =
                f.len == 0 && f.seq == fwd.nextseq && f.ack == fwd.lastack && !syn_fin_rst;
            const bool keep_alive_ack = same && f.window != 0 && f.window == fwd.window &&
                                        (rev.last_flags & ws::kKeepAlive) != 0;
            const bool zwp_ack = same && f.window == 0 && f.window == fwd.window &&
                                 (rev.last_flags & ws::kZeroWindowProbe) != 0;
            if (!keep_alive_ack && !zwp_ack && same && f.window != 0 && f.window == fwd.window) {
                fwd.dupacknum = fwd.dupacknum == -1 ? 1 : fwd.dupacknum + 1;
                flags |= ws::kDupAck;
            }
        }
        // finished_fwd:
        if (f.ack != fwd.lastack) fwd.dupacknum = 0;
        if (rev.maxseqtobeacked != 0 && gt_seq(f.ack, rev.maxseqtobeacked) &&
            (f.flags & tcpflag::kAck) != 0) {
            flags |= ws::kAckLost;
            rule += "ack_lost_segment: ACK " + std::to_string(f.ack - rev.maxseqtobeacked) +
                    " beyond maxseqtobeacked (the highest contiguous sequence seen); ";
            rev.maxseqtobeacked = rev.nextseq;
            rev.maxseq_jump_frame = f.number;
        } else if ((f.flags & tcpflag::kAck) != 0) {
            f.maxseq_jump_frame = rev.maxseq_jump_frame;
        }
        if (f.len > 0 || syn_fin) {
            bool not_advanced = fwd.nextseq != 0 && lt_seq(f.seq, fwd.nextseq);
            const std::int64_t since_next = f.ts_ns - fwd.nextseq_time;
            const std::int64_t threshold = stream.irtt_ns > 0 ? stream.irtt_ns : 3000000;
            if (flags & ws::kKeepAlive) {
                rule += "keep-alive (not a retransmission); ";
            } else {
                if (f.len > 1 && fwd.nextseq - 1 == f.seq) {
                    if (not_advanced) {
                        rule +=
                            "not flagged: len > 1 and seq == nextseq-1 (Wireshark's zero "
                            "window probe exception); ";
                    }
                    not_advanced = false;
                }
                const std::int64_t since_ack = f.ts_ns - rev.lastack_time;
                if (f.len > 0 && rev.lastack != 0 && le_seq(f.seq + f.len, rev.lastack)) {
                    flags |= ws::kSpurious | ws::kRetransmission;  // tshark shows both
                    rule += "spurious retransmission: seq+len <= the peer's last ACK; ";
                } else if (not_advanced && rev.dupacknum >= 2 && rev.lastack == f.seq &&
                           since_ack < 20000000) {
                    flags |= ws::kFast | ws::kRetransmission;  // tshark shows both
                    rule += "fast retransmission: " + std::to_string(rev.dupacknum) +
                            " duplicate ACKs for seq, " + ms(since_ack) + " after the last; ";
                } else if (not_advanced && since_next < threshold &&
                           fwd.nextseq != f.seq + f.len + (syn_fin ? 1 : 0)) {
                    flags |= ws::kOutOfOrder;
                    rule += "out-of-order: " + ms(since_next) +
                            " after the highest segment < ooo_thres " + ms(threshold) + "; ";
                } else if (not_advanced) {
                    flags |= ws::kRetransmission;
                    rule += "retransmission: " +
                            (since_next >= threshold
                                 ? ms(since_next) + " after the highest segment >= ooo_thres " +
                                       ms(threshold)
                                 : std::string("ends exactly at nextseq")) +
                            "; ";
                }
            }
        }
        // finished_checking_retransmission_type:
        const std::uint32_t nextseq = f.seq + f.len + (syn_fin ? 1 : 0);
        if ((gt_seq(nextseq, fwd.nextseq) || fwd.nextseq == 0) &&
            (flags & ws::kZeroWindowProbe) == 0) {
            fwd.nextseq = nextseq;
            fwd.nextseq_time = f.ts_ns;
        }
        if ((f.seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0) &&
            (flags & ws::kZeroWindowProbe) == 0) {
            // Straight to the highest sequence seen, past any hole in between.
            if (fwd.maxseqtobeacked != 0 && fwd.nextseq != nextseq) {
                fwd.maxseq_jump_frame = f.number;
            }
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = f.window;
        fwd.lastack = f.ack;
        fwd.lastack_time = f.ts_ns;
        fwd.last_flags = flags;
        f.model = flags;
        if (!rule.empty()) rule.resize(rule.size() - 2);
        f.rule = std::move(rule);
    }
}

// ---------------------------------------------------------------------------------------------
// The byte tracker: per direction, the sequence ranges the capture holds.

class Ranges {
  public:
    std::uint64_t covered(std::uint64_t begin, std::uint64_t end) const {
        std::uint64_t total = 0;
        auto it = ranges_.upper_bound(begin);
        if (it != ranges_.begin()) --it;
        for (; it != ranges_.end() && it->first < end; ++it) {
            const std::uint64_t b = std::max(begin, it->first), e = std::min(end, it->second);
            if (e > b) total += e - b;
        }
        return total;
    }
    void add(std::uint64_t begin, std::uint64_t end) {
        if (end <= begin) return;
        auto it = ranges_.upper_bound(begin);
        if (it != ranges_.begin() && std::prev(it)->second >= begin) --it;
        while (it != ranges_.end() && it->first <= end) {
            begin = std::min(begin, it->first);
            end = std::max(end, it->second);
            it = ranges_.erase(it);
        }
        ranges_.emplace(begin, end);
    }
    // The ranges of [0, upto) not covered, lowest first.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps(std::uint64_t upto) const {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
        std::uint64_t at = 0;
        for (const auto& [begin, end] : ranges_) {
            if (begin >= upto) break;
            if (begin > at) out.emplace_back(at, begin);
            at = std::max(at, end);
        }
        if (at < upto) out.emplace_back(at, upto);
        return out;
    }

  private:
    std::map<std::uint64_t, std::uint64_t> ranges_;  // begin -> end, disjoint, not touching
};

// ringdump keeps at most this many holes per direction (core/src/tcp_tracker.h, kMaxHoles) and
// forgets the lowest when it needs another, flagging holes_dropped on that packet.
std::size_t g_ringdump_max_holes = ringdump::tcp::kMaxHoles;

// Classifies the segment [begin, end) against the bytes `known` below `high`.
Bytes classify(const Ranges& known, bool any, std::uint64_t high, std::uint64_t begin,
               std::uint64_t end, bool plain, std::uint64_t& gap) {
    const std::uint64_t length = end - begin;
    gap = 0;
    if (length <= 1 && plain && any && begin + 1 == high) return Bytes::keep_alive;
    if (length == 0) {
        if (any && begin > high) gap = begin - high;  // no payload, beyond what was seen
        return Bytes::none;
    }
    if (!any ? begin == 0 : begin == high) return Bytes::fresh;
    if (begin > high || !any) {
        gap = begin - high;
        return Bytes::ahead;
    }
    const std::uint64_t below = std::min(end, high);
    const std::uint64_t seen = known.covered(begin, below);
    if (seen == below - begin) return end > high ? Bytes::overlap : Bytes::repeat;
    if (seen == 0) return end > high ? Bytes::fill_beyond : Bytes::fill;
    return Bytes::mixed;
}

// Bytes are "seen" when captured, or acknowledged by the peer (the receiver had them: a copy
// captured later repeats known bytes, as ringdump's model has it). `known` adds the holes
// ringdump's budget forgot.
void run_byte_tracker(std::vector<Frame>& frames) {
    struct Direction {
        bool based = false;
        std::uint32_t base = 0;  // sequence number of stream offset 0
        bool any = false;
        std::uint64_t high = 0;  // just past the highest byte seen or acknowledged
        Ranges seen, known;
        std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> forgotten;  // begin ->
                                                                                     // end, frame
        bool acked_any = false;
        std::uint64_t acked = 0;  // highest offset the peer acknowledged so far

        std::uint32_t forgotten_in(std::uint64_t begin, std::uint64_t end) const {
            for (const auto& [b, entry] : forgotten) {
                if (b < end && entry.first > begin) return entry.second;
            }
            return 0;
        }
    };
    std::map<std::uint32_t, std::array<Direction, 2>> streams;
    for (Frame& f : frames) {
        auto& pair = streams[f.stream];
        Direction& fwd = pair[static_cast<std::size_t>(f.dir)];
        Direction& rev = pair[static_cast<std::size_t>(1 - f.dir)];
        const bool syn = (f.flags & tcpflag::kSyn) != 0;
        const bool fin = (f.flags & tcpflag::kFin) != 0;
        // The ACK first (it is about the other direction), as ringdump does.
        if ((f.flags & tcpflag::kAck) != 0 && (f.flags & tcpflag::kRst) == 0 && rev.based) {
            const auto acked = static_cast<std::int32_t>(f.ack - rev.base);
            if (acked > 0 && (!rev.acked_any || static_cast<std::uint64_t>(acked) > rev.acked)) {
                const auto to = static_cast<std::uint64_t>(acked);
                const std::uint64_t from = rev.acked_any ? rev.acked : 0;
                f.unseen_acked = (to - from) - rev.seen.covered(from, to);
                f.unseen_acked_bounded = (to - from) - rev.known.covered(from, to);
                if (f.unseen_acked != f.unseen_acked_bounded)
                    f.forgotten_at = rev.forgotten_in(from, to);
                rev.seen.add(from, to);
                rev.known.add(from, to);
                rev.high = std::max(rev.high, to);
                rev.any = true;
                rev.acked = to;
                rev.acked_any = true;
            }
        }
        if (syn) {
            fwd.base = f.seq + 1;
            fwd.based = true;
        } else if (!fwd.based) {
            fwd.base = f.seq;
            fwd.based = true;
        }
        const auto relative = static_cast<std::int32_t>(f.seq + (syn ? 1u : 0u) - fwd.base);
        if (relative < 0 || (f.flags & tcpflag::kRst) != 0) continue;
        const auto begin = static_cast<std::uint64_t>(relative);
        const std::uint64_t end = begin + f.len;
        // The FIN takes one sequence number, seen like a byte.
        const std::uint64_t seq_end = end + (fin ? 1 : 0);
        const bool plain = !syn && !fin;
        f.offset = begin;
        std::uint64_t gap_bounded = 0;
        f.bytes = classify(fwd.seen, fwd.any, fwd.high, begin, end, plain, f.gap);
        f.bytes_bounded = classify(fwd.known, fwd.any, fwd.high, begin, end, plain, gap_bounded);
        if (f.bytes != f.bytes_bounded && f.forgotten_at == 0) {
            f.forgotten_at = fwd.forgotten_in(begin, end);
        }
        if (seq_end > begin && f.bytes != Bytes::keep_alive) {
            fwd.seen.add(begin, seq_end);
            fwd.known.add(begin, seq_end);
            fwd.high = std::max(fwd.high, seq_end);
            fwd.any = true;
            auto holes = fwd.known.gaps(fwd.high);
            for (std::size_t i = 0; i + g_ringdump_max_holes < holes.size(); ++i) {
                fwd.known.add(holes[i].first, holes[i].second);
                fwd.forgotten[holes[i].first] = {holes[i].second, f.number};
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison

enum Category { kNotAdvancing, kRetransmission, kOutOfOrder, kGap, kAckUnseen, kCategories };
constexpr std::array<const char*, kCategories> kCategoryNames = {
    "not advancing", "retransmission", "out-of-order", "gap", "ack of unseen"};
constexpr std::array<const char*, kCategories> kCategoryDefinitions = {
    "T retransmission|out_of_order   R retransmission|partial_overlap|hole_filled",
    "T retransmission (+fast, spurious)   R retransmission|partial_overlap",
    "T out_of_order   R hole_filled",
    "T lost_segment   R out_of_order (gap_bytes > 0)",
    "T ack_lost_segment   R capture_loss_bytes > 0",
};

bool tshark_in(std::uint16_t flags, int category) {
    switch (category) {
        case kNotAdvancing:
            return (flags & (ws::kRetransmissionFamily | ws::kOutOfOrder)) != 0;
        case kRetransmission:
            return (flags & ws::kRetransmissionFamily) != 0;
        case kOutOfOrder:
            return (flags & ws::kOutOfOrder) != 0;
        case kGap:
            return (flags & ws::kLost) != 0;
        case kAckUnseen:
            return (flags & ws::kAckLost) != 0;
    }
    return false;
}

bool record_in(const annotation::Record& r, int category) {
    const bool retx =
        r.tcp_status == TcpStatus::retransmission || r.tcp_status == TcpStatus::partial_overlap;
    const bool fill = r.tcp_status == TcpStatus::hole_filled;
    switch (category) {
        case kNotAdvancing:
            return retx || fill;
        case kRetransmission:
            return retx;
        case kOutOfOrder:
            return fill;
        case kGap:
            return r.tcp_status == TcpStatus::out_of_order || r.gap_bytes > 0;
        case kAckUnseen:
            return r.capture_loss_bytes > 0;
    }
    return false;
}

// What the byte tracker says ringdump should call a frame in a category: 1 yes, 0 no, -1 either
// (a segment that both fills missing bytes and repeats seen ones or goes beyond them; a segment
// without payload beyond the highest byte seen).
int bytes_in(Bytes bytes, std::uint64_t gap, std::uint32_t len, std::uint64_t unseen_acked,
             int category) {
    const bool either = bytes == Bytes::mixed || bytes == Bytes::fill_beyond;
    switch (category) {
        case kNotAdvancing:
            return bytes == Bytes::repeat || bytes == Bytes::overlap || bytes == Bytes::fill ||
                   either;
        case kRetransmission:
            if (either) return -1;
            return bytes == Bytes::repeat || bytes == Bytes::overlap;
        case kOutOfOrder:
            if (either) return -1;
            return bytes == Bytes::fill;
        case kGap:
            if (len == 0 && gap > 0) return -1;
            return bytes == Bytes::ahead;
        case kAckUnseen:
            return unseen_acked > 0;
    }
    return 0;
}

// The byte tracker's view as a stand-in record (the preview when there are no annotations).
annotation::Record record_from_bytes(const Frame& f) {
    annotation::Record r;
    r.transport = annotation::Transport::tcp;
    switch (f.bytes) {
        case Bytes::none:
            r.tcp_status = TcpStatus::ack_only;
            break;
        case Bytes::fresh:
            r.tcp_status = TcpStatus::in_order;
            break;
        case Bytes::ahead:
            r.tcp_status = TcpStatus::out_of_order;
            break;
        case Bytes::repeat:
            r.tcp_status = TcpStatus::retransmission;
            break;
        case Bytes::overlap:
            r.tcp_status = TcpStatus::partial_overlap;
            break;
        case Bytes::fill:
        case Bytes::mixed:
            r.tcp_status = TcpStatus::hole_filled;
            break;
        case Bytes::fill_beyond:
            r.tcp_status = TcpStatus::partial_overlap;
            break;
        case Bytes::keep_alive:
            r.tcp_status = TcpStatus::keep_alive;
            break;
    }
    if (f.bytes == Bytes::ahead) r.gap_bytes = static_cast<std::uint32_t>(f.gap);
    r.capture_loss_bytes =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(f.unseen_acked, 0xFFFFFFFF));
    r.stream_offset = f.offset;
    return r;
}

std::string tshark_text(std::uint16_t flags) {
    std::string out;
    const std::pair<std::uint16_t, const char*> names[] = {
        {ws::kRetransmission, "retx"}, {ws::kFast, "fast"},     {ws::kSpurious, "spurious"},
        {ws::kOutOfOrder, "ooo"},      {ws::kLost, "lost"},     {ws::kAckLost, "ack_lost"},
        {ws::kKeepAlive, "keepalive"}, {ws::kDupAck, "dupack"}, {ws::kZeroWindowProbe, "zwp"},
    };
    for (const auto& [flag, name] : names) {
        if (flags & flag) out += std::string(out.empty() ? "" : ",") + name;
    }
    return out.empty() ? "-" : out;
}

struct Difference {
    const Frame* frame;
    int category;
    bool explained;
    std::string reason;
};

struct Tally {
    std::array<std::size_t, kCategories> tshark{}, ringdump{}, both{}, explained{};
    std::size_t overall_union = 0, overall_both = 0, overall_explained = 0;
    std::vector<Difference> differences;
    std::size_t model_frames = 0, model_match = 0;
    std::vector<const Frame*> model_mismatches;

    std::size_t union_of(int c) const {
        return tshark[static_cast<std::size_t>(c)] + ringdump[static_cast<std::size_t>(c)] -
               both[static_cast<std::size_t>(c)];
    }
};

double ratio(std::size_t part, std::size_t whole) {
    return whole == 0 ? 1.0 : static_cast<double>(part) / static_cast<double>(whole);
}

Tally compare(const std::vector<Frame>& frames, bool bytes_as_ringdump) {
    Tally t;
    std::map<std::uint32_t, const Frame*> by_number;
    for (const Frame& f : frames)
        by_number.emplace(f.number, &f);
    for (const Frame& f : frames) {
        ++t.model_frames;
        if ((f.model & ws::kCompared) == (f.tshark & ws::kCompared)) {
            ++t.model_match;
        } else {
            t.model_mismatches.push_back(&f);
        }
        annotation::Record r;
        if (bytes_as_ringdump) {
            r = record_from_bytes(f);
        } else if (f.record && f.record->transport == annotation::Transport::tcp) {
            r = *f.record;
        }
        bool any = false, all_agree = true, all_explained = true;
        for (int c = 0; c < kCategories; ++c) {
            const auto i = static_cast<std::size_t>(c);
            const bool in_t = tshark_in(f.tshark, c);
            const bool in_r = record_in(r, c);
            t.tshark[i] += in_t;
            t.ringdump[i] += in_r;
            t.both[i] += in_t && in_r;
            // The overall figure covers the four fields the issue names (not the union
            // category, which would count the same difference twice).
            if (c != kNotAdvancing) any = any || in_t || in_r;
            if (in_t == in_r) continue;
            const bool model_ok = (f.model & ws::kCompared) == (f.tshark & ws::kCompared);
            auto matches = [&](int expected) { return expected == -1 || (expected == 1) == in_r; };
            // ringdump's call against the bytes; else against the bytes as ringdump's hole budget
            // leaves them, when ringdump itself flagged holes_dropped where the hole was forgotten.
            const bool bytes_ok = matches(bytes_in(f.bytes, f.gap, f.len, f.unseen_acked, c));
            bool limit_ok = false;
            if (!bytes_ok && f.forgotten_at != 0 &&
                matches(bytes_in(f.bytes_bounded, f.gap, f.len, f.unseen_acked_bounded, c))) {
                const auto at = by_number.find(f.forgotten_at);
                limit_ok = bytes_as_ringdump ||
                           (at != by_number.end() && at->second->record &&
                            (at->second->record->flags & annotation::flags::kHolesDropped) != 0);
            }
            std::string reason;
            if (!model_ok) {
                // The model cannot say why tshark decided as it did here; ringdump's call is
                // still held to the bytes (the model's own fidelity is gated separately).
                reason = "the model of Wireshark's rules gives " + tshark_text(f.model) +
                         ", tshark " + tshark_text(f.tshark) +
                         (bytes_ok ? std::string(" | ringdump's call matches the bytes: ")
                                   : std::string(" | ringdump's call contradicts the bytes: ")) +
                         bytes_name(f.bytes) +
                         (c == kAckUnseen ? ", " + std::to_string(f.unseen_acked) + " unseen"
                                          : std::string());
            } else if (!bytes_ok && !limit_ok) {
                reason =
                    std::string("ringdump's call contradicts the captured bytes (") +
                    bytes_name(f.bytes) +
                    (c == kAckUnseen ? ", " + std::to_string(f.unseen_acked) + " unseen" : "") +
                    (f.forgotten_at != 0
                         ? "; a hole here was beyond ringdump's budget at frame " +
                               std::to_string(f.forgotten_at) + ", which has no holes_dropped flag"
                         : std::string()) +
                    ")";
            } else {
                if (limit_ok) {
                    reason = "ringdump limit: more than " + std::to_string(g_ringdump_max_holes) +
                             " holes open in this direction, the lowest forgotten at frame " +
                             std::to_string(f.forgotten_at) +
                             " (holes_dropped), so its bytes count as seen | ";
                }
                if (!f.rule.empty()) {
                    reason += f.rule;
                } else if (c == kAckUnseen && f.maxseq_jump_frame != 0) {
                    reason +=
                        "no ack_lost_segment: the ACK does not pass maxseqtobeacked, which "
                        "Wireshark moves to nextseq, past any hole, when a segment starts "
                        "exactly at it or on an ack_lost_segment (last at frame " +
                        std::to_string(f.maxseq_jump_frame) + ")";
                } else {
                    reason += "Wireshark flags nothing here";
                }
                reason += std::string(" | bytes: ") + bytes_name(f.bytes);
                if (c == kAckUnseen) reason += ", " + std::to_string(f.unseen_acked) + " unseen";
            }
            const bool explained = model_ok ? (bytes_ok || limit_ok) : bytes_ok;
            t.explained[i] += explained;
            if (c != kNotAdvancing) {
                all_agree = false;
                all_explained = all_explained && explained;
            }
            t.differences.push_back({&f, c, explained, std::move(reason)});
        }
        if (any) {
            ++t.overall_union;
            t.overall_both += all_agree;
            t.overall_explained += !all_agree && all_explained;
        }
    }
    return t;
}

struct Verdict {
    bool pass = true;
    double worst = 1.0;
};

Verdict print_tally(const Tally& t, double threshold, bool strict, std::size_t list,
                    const char* ringdump_name) {
    Verdict v;
    std::printf("  %-15s %7s %9s %6s %8s %8s %9s %9s %10s\n", "category", "tshark", ringdump_name,
                "both", "only-T", "only-R", "explained", "agreement", "explained+");
    auto row = [&](const char* name, std::size_t ts, std::size_t rd, std::size_t both,
                   std::size_t uni, std::size_t explained) {
        const double raw = ratio(both, uni), with = ratio(both + explained, uni);
        const double gate = strict ? raw : with;
        v.worst = std::min(v.worst, gate);
        if (gate < threshold) v.pass = false;
        std::printf("  %-15s %7zu %9zu %6zu %8zu %8zu %9zu %8.2f%% %9.2f%%%s\n", name, ts, rd, both,
                    ts - both, rd - both, explained, 100 * raw, 100 * with,
                    gate < threshold ? "  BELOW" : "");
    };
    for (int c = 0; c < kCategories; ++c) {
        const auto i = static_cast<std::size_t>(c);
        row(kCategoryNames[i], t.tshark[i], t.ringdump[i], t.both[i], t.union_of(c),
            t.explained[i]);
    }
    std::printf("  %-15s %7s %9s %6zu %8s %8s %9zu %8.2f%% %9.2f%%%s\n", "overall", "-", "-",
                t.overall_both, "-", "-", t.overall_explained,
                100 * ratio(t.overall_both, t.overall_union),
                100 * ratio(t.overall_both + t.overall_explained, t.overall_union),
                (strict ? ratio(t.overall_both, t.overall_union)
                        : ratio(t.overall_both + t.overall_explained, t.overall_union)) < threshold
                    ? "  BELOW"
                    : "");
    const double overall = strict ? ratio(t.overall_both, t.overall_union)
                                  : ratio(t.overall_both + t.overall_explained, t.overall_union);
    v.worst = std::min(v.worst, overall);
    if (overall < threshold) v.pass = false;
    std::printf(
        "  (overall: frames flagged in any of the last four categories by either side, %zu;"
        " agreeing when every category agrees)\n",
        t.overall_union);

    // Differences, grouped by reason so systematic ones stand out.
    std::map<std::string, std::size_t> by_reason;
    std::size_t unexplained = 0;
    for (const Difference& d : t.differences) {
        if (!d.explained) ++unexplained;
        std::string key = std::string(kCategoryNames[static_cast<std::size_t>(d.category)]) +
                          (d.explained ? ": explained: " : ": UNEXPLAINED: ");
        // The rule text without its numbers, so equal rules group together.
        std::string rule;
        bool in_number = false;
        for (char ch : d.reason) {
            const bool digit = (ch >= '0' && ch <= '9') || (in_number && ch == '.');
            if (digit && !in_number) rule += '#';
            in_number = digit;
            if (!digit) rule += ch;
        }
        by_reason[key + rule]++;
    }
    if (!t.differences.empty()) {
        std::printf("  differences by reason (%zu differences, %zu unexplained):\n",
                    t.differences.size(), unexplained);
        for (const auto& [reason, count] : by_reason)
            std::printf("    %5zu  %s\n", count, reason.c_str());
        std::printf("  differences (first %zu; unexplained first):\n", list);
        std::printf("    %7s %-15s %-22s %-44s %s\n", "frame", "category", "tshark",
                    "ringdump status/rel.seq/offset/len/gap/loss/flags", "reason");
        std::vector<const Difference*> order;
        for (const Difference& d : t.differences)
            order.push_back(&d);
        std::stable_sort(order.begin(), order.end(), [](const Difference* a, const Difference* b) {
            return !a->explained && b->explained;
        });
        for (std::size_t i = 0; i < order.size() && i < list; ++i) {
            const Difference& d = *order[i];
            const Frame& f = *d.frame;
            char view[96];
            if (f.record) {
                std::snprintf(view, sizeof view, "%s/%u/%llu/%u/%u/%u/0x%x",
                              status_name(f.record->tcp_status), f.record->relative_sequence,
                              static_cast<unsigned long long>(f.record->stream_offset), f.len,
                              f.record->gap_bytes, f.record->capture_loss_bytes, f.record->flags);
            } else {
                std::snprintf(view, sizeof view, "(byte tracker) %s/off %llu/%u",
                              bytes_name(f.bytes), static_cast<unsigned long long>(f.offset),
                              f.len);
            }
            std::printf("    %7u %-15s %-22s %-44s %s%s\n", f.number,
                        kCategoryNames[static_cast<std::size_t>(d.category)],
                        tshark_text(f.tshark).c_str(), view,
                        d.explained ? "" : "UNEXPLAINED: ", d.reason.c_str());
        }
    }
    return v;
}

void print_model_check(const Tally& t) {
    std::printf(
        "model of Wireshark 4.0's rules vs tshark (retransmission, fast, spurious, "
        "out_of_order, lost_segment, ack_lost_segment): identical on %zu of %zu TCP "
        "frames\n",
        t.model_match, t.model_frames);
    for (std::size_t i = 0; i < t.model_mismatches.size() && i < 10; ++i) {
        const Frame& f = *t.model_mismatches[i];
        std::printf("  frame %u: tshark %s, model %s (%s)\n", f.number,
                    tshark_text(f.tshark).c_str(), tshark_text(f.model).c_str(),
                    f.rule.empty() ? "-" : f.rule.c_str());
    }
}

void print_tshark_counts(const std::vector<Frame>& frames, const std::string& label) {
    std::size_t counts[9] = {};
    std::map<std::uint32_t, int> streams;
    for (const Frame& f : frames) {
        streams[f.stream] = 1;
        for (int b = 0; b < 9; ++b)
            counts[b] += (f.tshark >> b) & 1;
    }
    std::printf(
        "tshark%s%s: %zu TCP frames in %zu streams; retransmission %zu (fast %zu, "
        "spurious %zu), out_of_order %zu, lost_segment %zu, ack_lost_segment %zu, "
        "duplicate_ack %zu, keep_alive %zu\n",
        label.empty() ? "" : " ", label.c_str(), frames.size(), streams.size(), counts[0],
        counts[1], counts[2], counts[3], counts[4], counts[5], counts[7], counts[6]);
}

// Below this share of TCP frames reproduced, the model is too far from tshark to explain anything.
constexpr double kModelFidelity = 0.999;

struct Options {
    std::string tsv, capture, label;
    double threshold = 0.99;
    bool strict = false;
    std::size_t list = 40;
};

// The whole run on files; returns the exit status.
int run(const Options& o) {
    std::ifstream in(o.tsv);
    if (!in) die(o.tsv + ": " + std::strerror(errno));
    std::vector<Frame> frames = read_tsv(in, o.tsv);
    run_model(frames);
    run_byte_tracker(frames);
    print_tshark_counts(frames, o.label);
    Capture capture;
    if (!o.capture.empty()) capture = read_capture(o.capture, frames);
    const Tally model = compare(frames, true);
    print_model_check(model);
    if (capture.annotated == 0) {
        if (!o.capture.empty()) {
            std::printf("%s: %zu packets, no ringdump annotations (option %u, PEN %u)\n",
                        o.capture.c_str(), capture.packets, annotation::kOptionCode,
                        annotation::kPen);
        }
        std::printf(
            "preview: the byte tracker standing in for ringdump (what byte-exact "
            "annotations would give)\n");
        print_tally(model, o.threshold, o.strict, o.list, "bytes");
        return 3;
    }
    std::size_t tcp_annotated = 0;
    for (const Frame& f : frames)
        tcp_annotated += f.record && f.record->transport == annotation::Transport::tcp;
    std::printf("%s: %zu packets, %zu annotated; %zu of %zu TCP frames annotated as TCP\n",
                o.capture.c_str(), capture.packets, capture.annotated, tcp_annotated,
                frames.size());
    const Tally t = compare(frames, false);
    std::printf("ringdump vs tshark%s%s (threshold %.2f%% on %s):\n", o.label.empty() ? "" : " ",
                o.label.c_str(), 100 * o.threshold,
                o.strict ? "agreement" : "agreement with explained differences");
    for (std::size_t c = 0; c < kCategories; ++c)
        std::printf("  %-15s %s\n", kCategoryNames[c], kCategoryDefinitions[c]);
    const Verdict v = print_tally(t, o.threshold, o.strict, o.list, "ringdump");
    const double fidelity = ratio(model.model_match, model.model_frames);
    const bool model_pass = fidelity >= kModelFidelity;
    if (!model_pass) {
        std::printf(
            "model of Wireshark's rules reproduces tshark on %.3f%% of frames, below %.1f%%\n",
            100 * fidelity, 100 * kModelFidelity);
    }
    std::printf("%s: worst %.2f%% (threshold %.2f%%)\n", v.pass && model_pass ? "PASS" : "FAIL",
                100 * v.worst, 100 * o.threshold);
    return v.pass && model_pass ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Self-test: a hand-made stream, its records and its TSV.

struct Synthetic {
    std::uint32_t number;
    std::int64_t us;  // time in microseconds
    int dir;          // 0 client -> server
    std::uint32_t seq, ack;
    std::uint32_t len;
    std::uint16_t flags;
    std::uint16_t tshark;
    TcpStatus status;
    std::uint32_t gap, loss;
    std::uint16_t record_flags = annotation::flags::kHasStream;
};

std::vector<std::uint8_t> ipv4_tcp(const Synthetic& s) {
    std::array<std::uint8_t, 40> h{};
    const std::uint32_t total = 40 + s.len;
    auto put16 = [&](std::size_t at, std::uint32_t v) {
        h[at] = static_cast<std::uint8_t>(v >> 8);
        h[at + 1] = static_cast<std::uint8_t>(v);
    };
    auto put32 = [&](std::size_t at, std::uint32_t v) {
        put16(at, v >> 16);
        put16(at + 2, v & 0xFFFF);
    };
    h[0] = 0x45;
    put16(2, total);
    h[8] = 64;
    h[9] = 6;
    const std::uint32_t client = 0xC6120001, server = 0xC6120002;  // 198.18.0.1, .2
    put32(12, s.dir == 0 ? client : server);
    put32(16, s.dir == 0 ? server : client);
    put16(20, s.dir == 0 ? 40000 : 5001);
    put16(22, s.dir == 0 ? 5001 : 40000);
    put32(24, s.seq);
    put32(28, s.ack);
    h[32] = 0x50;
    h[33] = static_cast<std::uint8_t>(s.flags);
    put16(34, 1000);
    std::vector<std::uint8_t> packet(h.begin(), h.end());
    packet.resize(total, 0x5a);
    return packet;
}

// Writes the pcapng (records only where `annotate`) and the TSV of `stream`.
void write_synthetic(const std::vector<Synthetic>& stream, bool annotate, const std::string& pcapng,
                     const std::string& tsv) {
    {
        ringdump::Sink sink = ringdump::Sink::open(pcapng);
        ringdump::PcapngWriter writer(sink);
        writer.write_section_header({"test", "test", "tcp_compare self-test"});
        ringdump::InterfaceDescription description;
        description.link_type = 101;
        description.name = "synthetic";
        std::uint32_t id = 0;
        writer.write_interface(description, id);
        std::vector<std::vector<std::uint8_t>> data, options;
        for (const Synthetic& s : stream) {
            data.push_back(ipv4_tcp(s));
            std::vector<std::uint8_t> value(4);
            std::memcpy(value.data(), &annotation::kPen, 4);
            annotation::Record r;
            r.layers = annotation::Layers::ipv4;
            r.transport = annotation::Transport::tcp;
            r.tcp_status = s.status;
            r.flags = s.record_flags;
            r.gap_bytes = s.gap;
            r.capture_loss_bytes = s.loss;
            r.relative_sequence = s.seq - (s.dir == 0 ? 1000u : 5000u);
            const auto bytes = annotation::encode(r);
            value.insert(value.end(), bytes.begin(), bytes.end());
            std::vector<std::uint8_t> option;
            if (annotate) ringdump::append_option(option, annotation::kOptionCode, value);
            options.push_back(std::move(option));
        }
        std::vector<ringdump::PacketView> views;
        for (std::size_t i = 0; i < stream.size(); ++i) {
            ringdump::PacketView v;
            v.data = data[i].data();
            v.caplen = v.wirelen = static_cast<std::uint32_t>(data[i].size());
            v.timestamp_ns =
                static_cast<std::uint64_t>(1700000000000000000LL + stream[i].us * 1000);
            v.options = options[i];
            views.push_back(v);
        }
        writer.write_packets(views);
    }
    std::ofstream out(tsv);
    for (std::size_t i = 0; i < kTsharkFields.size(); ++i)
        out << (i ? "\t" : "") << kTsharkFields[i];
    out << "\n";
    for (const Synthetic& s : stream) {
        const std::int64_t ns = 1700000000000000000LL + s.us * 1000;
        char time[40];
        std::snprintf(time, sizeof time, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                      static_cast<long long>(ns % 1000000000));
        const bool irtt = s.number >= 3;
        out << s.number << "\t" << time << "\t6\t" << (s.dir == 0 ? "198.18.0.1" : "198.18.0.2")
            << "\t" << (s.dir == 0 ? 40000 : 5001) << "\t0\t" << s.seq << "\t" << s.ack << "\t"
            << s.len << "\t0x" << std::hex << s.flags << std::dec << "\t1000\t"
            << (irtt ? "0.001000000" : "");
        const std::uint16_t bits[] = {ws::kRetransmission, ws::kFast,   ws::kSpurious,
                                      ws::kOutOfOrder,     ws::kLost,   ws::kAckLost,
                                      ws::kKeepAlive,      ws::kDupAck, ws::kZeroWindowProbe};
        for (std::uint16_t bit : bits)
            out << "\t" << ((s.tshark & bit) ? "1" : "");
        out << "\n";
    }
}

int self_test() {
    using S = TcpStatus;
    constexpr std::uint16_t syn = tcpflag::kSyn, ack = tcpflag::kAck, sa = syn | ack;
    constexpr std::uint16_t retx = ws::kRetransmission, fast = ws::kFast | ws::kRetransmission;
    // Client 1000 -> server 5000, 100-byte segments, initial RTT 1 ms (frames 1 and 3).
    // Segment 1201 is lost before the capture point and comes back as a fast retransmission
    // (frame 11); 1501 is duplicated (13); 1701 is held back behind 1801 (15, 16); 1901 is
    // missed by the capture only, so the ACK of 2101 (19) covers 100 unseen bytes.
    std::vector<Synthetic> stream = {
        {1, 0, 0, 1000, 0, 0, syn, 0, S::handshake, 0, 0},
        {2, 500, 1, 5000, 1001, 0, sa, 0, S::handshake, 0, 0},
        {3, 1000, 0, 1001, 5001, 0, ack, 0, S::ack_only, 0, 0},
        {4, 2000, 0, 1001, 5001, 100, ack, 0, S::in_order, 0, 0},
        {5, 2010, 0, 1101, 5001, 100, ack, 0, S::in_order, 0, 0},
        {6, 2020, 0, 1301, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0},
        {7, 2500, 1, 5001, 1201, 0, ack, 0, S::ack_only, 0, 0},
        {8, 2510, 0, 1401, 5001, 100, ack, 0, S::in_order, 0, 0},
        {9, 2600, 1, 5001, 1201, 0, ack, ws::kDupAck, S::ack_only, 0, 0},
        {10, 2700, 1, 5001, 1201, 0, ack, ws::kDupAck, S::ack_only, 0, 0},
        {11, 7000, 0, 1201, 5001, 100, ack, fast, S::hole_filled, 0, 0},
        {12, 7010, 0, 1501, 5001, 100, ack, 0, S::in_order, 0, 0},
        {13, 7020, 0, 1501, 5001, 100, ack, retx, S::retransmission, 0, 0},
        {14, 7030, 0, 1601, 5001, 100, ack, 0, S::in_order, 0, 0},
        {15, 7040, 0, 1801, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0},
        {16, 7050, 0, 1701, 5001, 100, ack, ws::kOutOfOrder, S::hole_filled, 0, 0},
        {17, 7500, 1, 5001, 1901, 0, ack, 0, S::ack_only, 0, 0},
        {18, 7510, 0, 2001, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0},
        {19, 8000, 1, 5001, 2101, 0, ack, ws::kAckLost, S::ack_only, 0, 100},
    };
    char dir_template[] = "/tmp/tcp_compare_selftest.XXXXXX";
    if (mkdtemp(dir_template) == nullptr) die(std::string("mkdtemp: ") + std::strerror(errno));
    const std::string dir = dir_template;
    const std::string pcapng = dir + "/synthetic.pcapng", tsv = dir + "/synthetic.tsv";
    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
        failures += ok ? 0 : 1;
    };
    // The nested full runs print their whole report; only their exit status matters here.
    auto quiet_run = [](const Options& options) {
        std::fflush(stdout);
        const int saved = dup(STDOUT_FILENO);
        const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved < 0 || null < 0) die(std::string("/dev/null: ") + std::strerror(errno));
        dup2(null, STDOUT_FILENO);
        close(null);
        const int status = run(options);
        std::fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        return status;
    };
    auto load = [&](std::vector<Frame>& frames) {
        std::ifstream in(tsv);
        frames = read_tsv(in, tsv);
        run_model(frames);
        run_byte_tracker(frames);
    };

    // 1. Consistent records: the model reproduces tshark, the byte tracker ringdump; the one
    // difference (frame 11: Wireshark's fast retransmission, ringdump's hole_filled) is explained.
    write_synthetic(stream, true, pcapng, tsv);
    std::vector<Frame> frames;
    load(frames);
    const Capture capture = read_capture(pcapng, frames);
    check(capture.packets == 19 && capture.annotated == 19, "all 19 packets read with records");
    const Tally t = compare(frames, false);
    check(t.model_match == 19, "the model reproduces the hand-made tshark flags on every frame (" +
                                   std::to_string(t.model_match) + ")");
    for (const Frame* f : t.model_mismatches)
        std::printf("     frame %u: tshark %s model %s (%s)\n", f->number,
                    tshark_text(f->tshark).c_str(), tshark_text(f->model).c_str(), f->rule.c_str());
    auto counts = [&](const Tally& x, int c) {
        const auto i = static_cast<std::size_t>(c);
        return std::to_string(x.tshark[i]) + "/" + std::to_string(x.ringdump[i]) + "/" +
               std::to_string(x.both[i]) + "/" + std::to_string(x.explained[i]);
    };
    check(counts(t, kNotAdvancing) == "3/3/3/0",
          "not advancing T/R/both/explained 3/3/3/0: " + counts(t, kNotAdvancing));
    check(counts(t, kRetransmission) == "2/1/1/1",
          "retransmission 2/1/1/1: " + counts(t, kRetransmission));
    check(counts(t, kOutOfOrder) == "1/2/1/1", "out-of-order 1/2/1/1: " + counts(t, kOutOfOrder));
    check(counts(t, kGap) == "3/3/3/0", "gap 3/3/3/0: " + counts(t, kGap));
    check(counts(t, kAckUnseen) == "1/1/1/0", "ack of unseen 1/1/1/0: " + counts(t, kAckUnseen));
    check(t.overall_union == 7 && t.overall_both == 6 && t.overall_explained == 1,
          "overall: 7 flagged, 6 agree, 1 explained");
    check(t.differences.size() == 2 && t.differences[0].frame->number == 11 &&
              t.differences[0].explained &&
              t.differences[0].reason.find("fast retransmission") != std::string::npos,
          "frame 11 is explained by the fast retransmission rule");
    const Frame& f19 = frames[18];
    check(f19.unseen_acked == 100, "the byte tracker finds 100 unseen bytes acknowledged in 19");
    Options o;
    o.tsv = tsv;
    o.capture = pcapng;
    check(quiet_run(o) == 0, "run: passes at 99%");
    o.strict = true;
    check(quiet_run(o) == 1, "run --strict: fails (frame 11 differs, 6/7 overall)");
    o.strict = false;

    // 2. A wrong record (14 called a retransmission though its bytes are new): unexplained in
    // both categories it touches, and below 99%.
    auto unexplained_in = [](const Tally& x) {
        std::size_t n = 0;
        for (const Difference& d : x.differences)
            n += !d.explained;
        return n;
    };
    std::vector<Synthetic> wrong = stream;
    wrong[13].status = S::retransmission;
    write_synthetic(wrong, true, pcapng, tsv);
    load(frames);
    read_capture(pcapng, frames);
    const Tally w = compare(frames, false);
    check(unexplained_in(w) == 2,
          "two unexplained differences, 14 twice (" + std::to_string(unexplained_in(w)) + ")");
    check(counts(w, kRetransmission) == "2/2/1/1",
          "retransmission with the wrong record 2/2/1/1: " + counts(w, kRetransmission));
    check(quiet_run(o) == 1, "run: fails below 99%");
    o.threshold = 0.5;
    check(quiet_run(o) == 0, "run --threshold 0.5: passes (the worst category is 2/3)");

    // 3. A tshark flag the model does not reproduce (18 without lost_segment): ringdump's gap
    // matches the bytes, so the difference is explained, but the model's fidelity (18 of 19)
    // fails the run whatever the threshold.
    std::vector<Synthetic> miss = stream;
    miss[17].tshark = 0;
    write_synthetic(miss, true, pcapng, tsv);
    load(frames);
    read_capture(pcapng, frames);
    const Tally m = compare(frames, false);
    const bool miss_explained =
        std::any_of(m.differences.begin(), m.differences.end(), [](const Difference& d) {
            return d.frame->number == 18 && d.explained &&
                   d.reason.find("matches the bytes") != std::string::npos;
        });
    check(miss_explained, "18: the model misses tshark, ringdump's gap is explained by the bytes");
    check(quiet_run(o) == 1, "run --threshold 0.5: fails on the model's fidelity (18 of 19)");

    // 4. Where the model misses tshark (14 out-of-order) and ringdump contradicts the bytes (14
    // a retransmission of new bytes), the difference stays unexplained.
    std::vector<Synthetic> both_wrong = stream;
    both_wrong[13].status = S::retransmission;
    both_wrong[13].tshark = ws::kOutOfOrder;
    write_synthetic(both_wrong, true, pcapng, tsv);
    load(frames);
    read_capture(pcapng, frames);
    const Tally b2 = compare(frames, false);
    check(unexplained_in(b2) == 1,
          "14: one unexplained difference (retransmission), the out-of-order one explained (" +
              std::to_string(unexplained_in(b2)) + ")");
    o.threshold = 0.99;

    // 5. No annotations: exit 3, with the preview.
    write_synthetic(stream, false, pcapng, tsv);
    check(quiet_run(o) == 3, "run without annotations: exit 3");

    // 6. ringdump's hole budget (2 here instead of 8): the third hole (frame 7, holes_dropped)
    // makes it forget the lowest, so the late original of 1101 (8) is its retransmission where
    // the bytes say fill and tshark says out-of-order. The ACK of 1701 (9) covers two missed
    // segments, which Wireshark does not flag: frame 8 moved maxseqtobeacked to nextseq. The
    // copy of 1301 after that ACK (10) repeats acknowledged bytes: both call it a retransmission.
    const std::uint16_t spurious = ws::kSpurious | ws::kRetransmission;
    const std::vector<Synthetic> budget = {
        {1, 0, 0, 1000, 0, 0, syn, 0, S::handshake, 0, 0},
        {2, 500, 1, 5000, 1001, 0, sa, 0, S::handshake, 0, 0},
        {3, 1000, 0, 1001, 5001, 0, ack, 0, S::ack_only, 0, 0},
        {4, 2000, 0, 1001, 5001, 100, ack, 0, S::in_order, 0, 0},
        {5, 2010, 0, 1201, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0},
        {6, 2020, 0, 1401, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0},
        {7, 2030, 0, 1601, 5001, 100, ack, ws::kLost, S::out_of_order, 100, 0,
         annotation::flags::kHasStream | annotation::flags::kHolesDropped},
        {8, 2035, 0, 1101, 5001, 100, ack, ws::kOutOfOrder, S::retransmission, 0, 0},
        {9, 2500, 1, 5001, 1701, 0, ack, 0, S::ack_only, 0, 200},
        {10, 3000, 0, 1301, 5001, 100, ack, spurious, S::retransmission, 0, 0},
    };
    g_ringdump_max_holes = 2;
    write_synthetic(budget, true, pcapng, tsv);
    load(frames);
    read_capture(pcapng, frames);
    const Tally b = compare(frames, false);
    check(b.model_match == 10, "budget: the model reproduces tshark on every frame (" +
                                   std::to_string(b.model_match) + ")");
    check(frames[7].bytes == Bytes::fill && frames[7].bytes_bounded == Bytes::repeat &&
              frames[7].forgotten_at == 7,
          "budget: 8 fills a hole the budget forgot at frame 7");
    check(frames[8].unseen_acked == 200 && frames[9].bytes == Bytes::repeat,
          "budget: the ACK (9) covers 200 unseen bytes, and 10 repeats acknowledged bytes");
    check(counts(b, kNotAdvancing) == "2/2/2/0" && counts(b, kRetransmission) == "1/2/1/1" &&
              counts(b, kOutOfOrder) == "1/0/0/1" && counts(b, kGap) == "3/3/3/0" &&
              counts(b, kAckUnseen) == "0/1/0/1",
          "budget: counts " + counts(b, kNotAdvancing) + " " + counts(b, kRetransmission) + " " +
              counts(b, kOutOfOrder) + " " + counts(b, kGap) + " " + counts(b, kAckUnseen));
    bool limit = false, jump = false, all_explained = true;
    for (const Difference& d : b.differences) {
        all_explained = all_explained && d.explained;
        limit = limit || (d.frame->number == 8 && d.reason.starts_with("ringdump limit"));
        jump = jump || (d.frame->number == 9 && d.reason.find("frame 8") != std::string::npos);
    }
    check(all_explained && limit && jump,
          "budget: frame 8 explained by ringdump's hole budget, 9 by maxseqtobeacked's jump");
    std::vector<Synthetic> unflagged = budget;
    unflagged[6].record_flags = annotation::flags::kHasStream;
    write_synthetic(unflagged, true, pcapng, tsv);
    load(frames);
    read_capture(pcapng, frames);
    std::size_t unexplained_budget = 0;
    for (const Difference& d : compare(frames, false).differences)
        unexplained_budget += !d.explained;
    check(unexplained_budget == 2,
          "budget: without holes_dropped on frame 7, frame 8's two differences are unexplained (" +
              std::to_string(unexplained_budget) + ")");
    g_ringdump_max_holes = ringdump::tcp::kMaxHoles;

    unlink(pcapng.c_str());
    unlink(tsv.c_str());
    rmdir(dir.c_str());
    std::printf("self-test: %s\n", failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    bool self = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view name = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die("option " + std::string(name) + " needs a value");
            return argv[++i];
        };
        if (name == "--self-test") {
            self = true;
        } else if (name == "--strict") {
            o.strict = true;
        } else if (name == "--tshark") {
            o.tsv = value();
        } else if (name == "--capture") {
            o.capture = value();
        } else if (name == "--label") {
            o.label = value();
        } else if (name == "--threshold") {
            const std::string text = value();
            char* end = nullptr;
            o.threshold = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !(o.threshold >= 0 && o.threshold <= 1)) {
                die("--threshold must be a number in 0..1");
            }
        } else if (name == "--list") {
            const auto n = parse_number<std::size_t>(value());
            if (!n) die("--list needs a number");
            o.list = *n;
        } else if (name == "--max-holes") {
            const auto n = parse_number<std::size_t>(value());
            if (!n || *n == 0) die("--max-holes needs a positive number");
            g_ringdump_max_holes = *n;
        } else {
            die("unknown option " + std::string(name) + "; see the top of tcp_compare.cpp");
        }
    }
    if (self) return self_test();
    if (o.tsv.empty()) die("usage: tcp_compare --tshark FILE.tsv [--capture FILE.pcapng] ...");
    return run(o);
}
