// SPDX-License-Identifier: MIT
// libFuzzer target: AI HomeDesign v3 answers (order created, process status) as the adapter
// reads them.
#include "tests/fuzz/cloud_fuzz.h"

using namespace snapstage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::readAnswer(data, size, [](json::Value v, cloud::Remote& r) {
        (void)cloud::readV3Order(v, r);
        (void)cloud::readV3Process(v, r);
        (void)cloud::readV3Assets(v.get("entry_assets"), r, "read the order");
    });
    return 0;
}
