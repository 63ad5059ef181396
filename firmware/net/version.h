// SPDX-License-Identifier: MIT
// Versions of the libraries the network stack is built on, for `snapstage --version`.
#pragma once

namespace snapstage::net {

// The Mbed TLS version linked at run time, e.g. "2.28.3".
const char* mbedtlsVersion() noexcept;

}  // namespace snapstage::net
