// SPDX-License-Identifier: MIT
// A fresh folder under /tmp for one test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace snapstage::test {

class TempDir {
public:
    // /tmp/snapstage-<name>-XXXXXX; path() is empty if it could not be made (check ok()).
    explicit TempDir(const std::string& name) {
        std::string tmpl = "/tmp/snapstage-" + name + "-XXXXXX";
        if (::mkdtemp(tmpl.data())) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    bool ok() const noexcept { return !path_.empty(); }
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace snapstage::test
