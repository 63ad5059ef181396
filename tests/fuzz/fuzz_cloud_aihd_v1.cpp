// SPDX-License-Identifier: MIT
// libFuzzer target: AI HomeDesign v1 order details as the adapter reads them.
#include "tests/fuzz/cloud_fuzz.h"

using namespace snapstage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::readAnswer(data, size,
                     [](json::Value v, cloud::Remote& r) { (void)cloud::readV1Order(v, r); });
    return 0;
}
