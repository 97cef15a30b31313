// Cryptographically secure randomness (OpenSSL RAND_bytes, seeded by the OS).
// Thread-safe. Aborts the process if the system cannot provide randomness,
// which is never recoverable for a service that mints keys and passwords.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::crypto {

std::string RandomBytes(size_t n);
// Uniform integer in [0, bound), bound > 0, without modulo bias.
uint32_t RandomBelow(uint32_t bound);
// A random (version 4) UUID, lower-case, "8-4-4-4-12".
std::string RandomUuid();
// n characters drawn uniformly from alphabet (which must not be empty).
std::string RandomString(size_t n, std::string_view alphabet);

}  // namespace tandem::crypto
