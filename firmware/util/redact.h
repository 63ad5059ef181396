// SPDX-License-Identifier: MIT
// Secret redaction: a process-wide registry of the secrets the process holds (API keys,
// Authorization and Cookie header values) and the one step that takes them out of text leaving
// the process. The event writer (firmware/app/events) and the log writer (firmware/util/log) run
// every message through scrub(), whatever its source (a server's error body, a file, a library);
// code that makes a message need not know which values are secret.
//
// Usage: register each secret as soon as it is known, before anything can print it:
//     redact::add(apiKey);            // e.g. after reading the key file or SNAPSTAGE_API_KEY
// That is all a command needs to do; nothing else changes where messages are made.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace snapstage::redact {

inline constexpr size_t kMaxSecrets = 16;       // registrations past this are refused
inline constexpr size_t kMinSecretBytes = 8;    // shorter values would mask ordinary words
inline constexpr size_t kMaxSecretBytes = 512;  // longer ones are refused
// What a secret is replaced with.
inline constexpr std::string_view kMask = "[redacted]";

// Registers `secret` for the rest of the process: its bytes are copied into fixed static storage
// (no allocation). Any thread, any time, typically at start-up. Registering a value already held
// is a no-op that returns true. Returns false, registering nothing, when `secret` is shorter than
// kMinSecretBytes or longer than kMaxSecretBytes, or when kMaxSecrets are already held.
bool add(std::string_view secret) noexcept;

// Registers the credentials of an HTTP header value: the whole value and, for "Scheme token"
// (Authorization: Bearer ...), the token alone, and for a Cookie list each cookie's value, so
// that an echo of any part is masked. Parts under kMinSecretBytes are skipped. Returns false
// when a part of kMinSecretBytes or more could not be registered (the registry is full).
bool addHeaderValue(std::string_view value) noexcept;

// Copies `text` into `out` with every registered secret replaced by kMask, including a secret
// cut short at the end of `text` (at least half of it, and kMinSecretBytes / 2 bytes, optionally
// followed by "..."), as truncated messages leave them. Output past out.size() is dropped.
// Returns the text written into `out`. Never allocates; safe from any thread.
std::string_view scrub(std::string_view text, std::span<char> out) noexcept;

// True when `text` holds a registered secret (whole).
bool contains(std::string_view text) noexcept;

// How many secrets are registered.
size_t count() noexcept;

// Forgets every secret. For tests only: not safe while another thread calls scrub().
void clearForTesting() noexcept;

}  // namespace snapstage::redact
