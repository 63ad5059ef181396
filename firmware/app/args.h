// SPDX-License-Identifier: MIT
// Args: a small parser for a command's own arguments ("-o FILE", "-oFILE", "--out DIR",
// "--out=DIR", flags, positionals, "--" ends options). Used at start-up only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "firmware/util/result.h"

namespace snapstage::app {

class Args {
public:
    explicit Args(std::vector<std::string> tokens) noexcept : tokens_(std::move(tokens)) {}

    bool done() const noexcept { return pos_ >= tokens_.size(); }

    // Consumes a flag: `--long` or `-s` (shortName 0: none).
    bool flag(std::string_view longName, char shortName = 0) noexcept;
    // Consumes an option with a value in any accepted form; a missing value is a usage error.
    bool option(std::string_view longName, char shortName, std::string& value) noexcept;
    // Consumes a positional argument (anything not starting with '-', "-" alone, or everything
    // after "--").
    bool positional(std::string& value) noexcept;
    // Call when nothing matched: records "unknown option" / "unexpected argument" and skips it.
    void unknown() noexcept;

    // The first usage error met, if any.
    bool ok() const noexcept { return error_.code() == Errc::Ok; }
    const Error& error() const noexcept { return error_; }

private:
    void setError(Error e) noexcept {
        if (ok()) error_ = e;
    }

    std::vector<std::string> tokens_;
    size_t pos_ = 0;
    bool endOfOptions_ = false;
    Error error_;
};

}  // namespace snapstage::app
