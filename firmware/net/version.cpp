// SPDX-License-Identifier: MIT
// Library versions of the network stack.
#include "firmware/net/version.h"

#include "firmware/net/tls.h"

namespace snapstage::net {

const char* mbedtlsVersion() noexcept {
    return mbedtlsRuntimeVersion();
}

}  // namespace snapstage::net
