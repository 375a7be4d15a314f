// SPDX-License-Identifier: BSD-2-Clause
// Built instead of afxdp_test.cpp when ringdump is configured without the AF_XDP backend: the
// backend must then refuse with a message that says so, and its tests are reported as skipped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ringdump/afxdp_source.h"
#include "ringdump/error.h"

namespace ringdump {
namespace {

TEST(AfXdp, BuiltWithoutTheBackend) {
    EXPECT_FALSE(afxdp_available());
    SourceOptions options;
    options.interface = "lo";
    options.backend = Backend::afxdp;
    try {
        open_source(options);
        ADD_FAILURE() << "opened without the backend";
    } catch (const Error& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("without AF_XDP support"));
    }
    GTEST_SKIP() << "ringdump was built without AF_XDP support (RINGDUMP_AFXDP=OFF): the AF_XDP "
                    "integration tests need clang, libbpf-dev and libxdp-dev at build time";
}

}  // namespace
}  // namespace ringdump
