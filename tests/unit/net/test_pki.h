// SPDX-License-Identifier: MIT
// Test certificates made in-process with Mbed TLS's X.509 writer: a CA and leaves signed by it
// (chosen host names and validity), so TLS tests need no files and no openssl.
#pragma once

#include <string>
#include <vector>

namespace snapstage::net::test {

struct Credential {
    std::string certPem;
    std::string keyPem;
};

// A self-signed CA (EC P-256). `cn` is its common name.
Credential makeCa(const char* cn);

// A leaf for `names` (dNSName SANs; "IP:<address>" makes an iPAddress SAN, IPv4 or IPv6; the
// first name, without "IP:", is also the CN), valid from `notBefore` to `notAfter`
// ("YYYYMMDDhhmmss" UTC), signed by `issuer` (or self-signed when issuer is null).
Credential makeLeaf(const Credential* issuer, const char* issuerCn,
                    const std::vector<std::string>& names, const char* notBefore = "20200101000000",
                    const char* notAfter = "20991231235959");

// "sha256/<base64>" pin of a certificate's public key.
std::string pinOf(const std::string& certPem);

}  // namespace snapstage::net::test
