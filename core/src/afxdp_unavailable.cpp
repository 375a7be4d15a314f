// SPDX-License-Identifier: BSD-2-Clause
// The AF_XDP backend when ringdump is built without it (RINGDUMP_AFXDP=OFF: no clang with the
// BPF back end, libbpf-dev or libxdp-dev at build time).
#include "ringdump/afxdp_source.h"
#include "ringdump/error.h"

namespace ringdump {

bool afxdp_available() {
    return false;
}

std::unique_ptr<Source> open_afxdp_source(const SourceOptions& options) {
    throw Error(ErrorKind::unsupported,
                options.interface +
                    ": this ringdump was built without AF_XDP support (it needs clang, libbpf-dev "
                    "and libxdp-dev at build time); use --backend tpacket");
}

}  // namespace ringdump
