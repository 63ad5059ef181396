// SPDX-License-Identifier: MIT
// Command argument parsing.
#include "firmware/app/args.h"

namespace snapstage::app {

bool Args::flag(std::string_view longName, char shortName) noexcept {
    if (done() || endOfOptions_) return false;
    const std::string& t = tokens_[pos_];
    bool match = t == longName || (shortName && t.size() == 2 && t[0] == '-' && t[1] == shortName);
    if (match) ++pos_;
    return match;
}

bool Args::option(std::string_view longName, char shortName, std::string& value) noexcept {
    if (done() || endOfOptions_) return false;
    const std::string& t = tokens_[pos_];
    if (t.size() > longName.size() && t.compare(0, longName.size(), longName) == 0 &&
        t[longName.size()] == '=') {
        value = t.substr(longName.size() + 1);
        ++pos_;
        return true;
    }
    bool shortJoined = shortName && t.size() > 2 && t[0] == '-' && t[1] == shortName && t[1] != '-';
    if (shortJoined) {
        value = t.substr(2);
        ++pos_;
        return true;
    }
    bool match = t == longName || (shortName && t.size() == 2 && t[0] == '-' && t[1] == shortName);
    if (!match) return false;
    if (pos_ + 1 >= tokens_.size()) {
        setError(Error::format(Errc::Usage, 0, "option %s needs a value", t.c_str()));
        ++pos_;
        return true;
    }
    value = tokens_[pos_ + 1];
    pos_ += 2;
    return true;
}

bool Args::positional(std::string& value) noexcept {
    if (done()) return false;
    const std::string& t = tokens_[pos_];
    if (!endOfOptions_ && t == "--") {
        endOfOptions_ = true;
        ++pos_;
        return positional(value);
    }
    if (!endOfOptions_ && t.size() > 1 && t[0] == '-') return false;
    value = t;
    ++pos_;
    return true;
}

void Args::unknown() noexcept {
    if (done()) return;
    const std::string& t = tokens_[pos_];
    if (t.size() > 1 && t[0] == '-')
        setError(Error::format(Errc::Usage, 0, "unknown option '%s'", t.c_str()));
    else
        setError(Error::format(Errc::Usage, 0, "unexpected argument '%s'", t.c_str()));
    ++pos_;
}

}  // namespace snapstage::app
