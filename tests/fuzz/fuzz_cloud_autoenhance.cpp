// SPDX-License-Identifier: MIT
// libFuzzer target: Autoenhance answers (image created, image status) as the adapter reads them.
#include "tests/fuzz/cloud_fuzz.h"

using namespace snapstage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::readAnswer(data, size, [](json::Value v, cloud::Remote& r) {
        (void)cloud::readAeCreated(v, r);
        (void)cloud::readAeImage(v, r);
    });
    return 0;
}
