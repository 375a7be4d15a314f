# SPDX-License-Identifier: BSD-2-Clause
"""Reads what a capture tool wrote: the generator's sequence numbers and pcapng statistics.

The packet count in the report comes from capinfos (Wireshark's reader, independent of
ringdump's code). This walker checks what the count cannot: which of the generator's frames
arrived (each UDP payload starts with "RDGEN\\0\\0\\1" and a 64-bit little-endian sequence number,
see tests/tools/rdgen.cpp), how many came twice, and what the Interface Statistics Blocks say
(ifdrop, osdrop) and the packets' epb_dropcount (how ringdump's drops reach a file through
dumpcap, with the ISBs ringdump writes mid-stream). It handles pcap (as tcpdump and netsniff-ng write it) and pcapng in host byte
order, little-endian (as every tool on this machine writes it).
"""

import mmap
import struct

MAGIC = b"RDGEN\x00\x00\x01"
# Ethernet (14) + IPv4 without options (20) + UDP (8): where the payload starts in a load frame.
PAYLOAD_OFFSET = 42

PCAP_MAGICS = {0xA1B2C3D4, 0xA1B23C4D}
SHB, IDB, EPB, SPB, ISB = 0x0A0D0D0A, 1, 6, 3, 5
ISB_IFRECV, ISB_IFDROP, ISB_OSDROP = 4, 5, 7
EPB_DROPCOUNT = 4


class Result:
    def __init__(self):
        self.packets = 0          # every packet record
        self.load = 0             # records carrying a generator payload
        self.unique = 0           # distinct sequence numbers among them
        self.duplicates = 0
        self.out_of_range = 0     # sequence numbers >= the count the generator was given
        self.isb = []             # per ISB: {"ifrecv": n, "ifdrop": n, "osdrop": n}
        self.epb_dropcount = 0    # sum of epb_dropcount: drops since the previous packet
        self.truncated = False    # the file ends inside a record

    def as_dict(self):
        return dict(self.__dict__)


def _check_payload(result, seen, data, start, caplen):
    if caplen < PAYLOAD_OFFSET + 16:
        return
    at = start + PAYLOAD_OFFSET
    if data[at:at + 8] != MAGIC:
        return
    result.load += 1
    seq = struct.unpack_from("<Q", data, at + 8)[0]
    if seq >= len(seen):
        result.out_of_range += 1
    elif seen[seq]:
        result.duplicates += 1
    else:
        seen[seq] = 1
        result.unique += 1


def _isb_options(data, start, end):
    stats = {}
    at = start
    while at + 4 <= end:
        code, length = struct.unpack_from("<HH", data, at)
        if code == 0:
            break
        if code in (ISB_IFRECV, ISB_IFDROP, ISB_OSDROP) and length == 8:
            name = {ISB_IFRECV: "ifrecv", ISB_IFDROP: "ifdrop", ISB_OSDROP: "osdrop"}[code]
            stats[name] = struct.unpack_from("<Q", data, at + 4)[0]
        at += 4 + ((length + 3) & ~3)
    return stats


def _epb_dropcount(data, start, end):
    at = start
    while at + 4 <= end:
        code, length = struct.unpack_from("<HH", data, at)
        if code == 0:
            break
        if code == EPB_DROPCOUNT and length == 8:
            return struct.unpack_from("<Q", data, at + 4)[0]
        at += 4 + ((length + 3) & ~3)
    return 0


def read(path, sent):
    """Walks the file at path; sent is how many sequence numbers the generator used."""
    result = Result()
    seen = bytearray(sent)
    with open(path, "rb") as f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            result.truncated = True
            return result
    with data:
        size = len(data)
        if size < 24:
            result.truncated = True
            return result
        magic = struct.unpack_from("<I", data, 0)[0]
        if magic in PCAP_MAGICS:
            at = 24
            while at + 16 <= size:
                caplen = struct.unpack_from("<I", data, at + 8)[0]
                if at + 16 + caplen > size:
                    result.truncated = True
                    break
                result.packets += 1
                _check_payload(result, seen, data, at + 16, caplen)
                at += 16 + caplen
            result.truncated = result.truncated or at != size
            return result
        at = 0
        while at + 12 <= size:
            block_type, length = struct.unpack_from("<II", data, at)
            if length < 12 or at + length > size:
                result.truncated = True
                break
            if block_type == EPB:
                caplen = struct.unpack_from("<I", data, at + 20)[0]
                result.packets += 1
                _check_payload(result, seen, data, at + 28, caplen)
                result.epb_dropcount += _epb_dropcount(data, at + 28 + ((caplen + 3) & ~3),
                                                       at + length - 4)
            elif block_type == SPB:
                result.packets += 1
            elif block_type == ISB:
                result.isb.append(_isb_options(data, at + 20, at + length - 4))
            at += length
        result.truncated = result.truncated or at != size
    return result
