// SPDX-License-Identifier: MIT
// The clock floor: a time the wall clock cannot honestly be earlier than, the newest of the
// build time and the last `Date` a verified server sent (kept in the spool). A device without a
// real-time clock boots in 1970 (or at its last shutdown); before network time arrives, every
// certificate looks "not yet valid". Comparing with the floor tells that case apart, so that the
// device can say "waiting for the time" instead of failing TLS.
#pragma once

#include <cstdint>
#include <string_view>

namespace snapstage::app {

// When this binary was built (Unix time; SOURCE_DATE_EPOCH for reproducible builds).
int64_t buildTime() noexcept;
// The floor: max(build time, the spool's saved floor).
int64_t clockFloor(std::string_view spoolDir) noexcept;
// Saves `seconds` as the spool's floor when it is newer than the saved one by an hour or more
// (a server's Date after a verified TLS exchange). Durable; errors are ignored (best effort).
void raiseClockFloor(std::string_view spoolDir, int64_t seconds) noexcept;
// True when systemd-timesyncd (or another NTP client that marks it) says the clock is synced.
bool clockSynchronized() noexcept;

}  // namespace snapstage::app
