#include "crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"

namespace tandem::crypto {
namespace {

void FillRandom(void* out, size_t n) {
  if (n == 0) return;
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(n)) != 1) {
    std::fprintf(stderr, "fatal: no randomness available: %s\n", DrainOpenSslErrors().c_str());
    std::abort();
  }
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  // RAND_bytes takes an int; callers ask for keys and nonces, but stay correct
  // for any size.
  constexpr size_t kChunk = 1 << 20;
  for (size_t done = 0; done < n; done += kChunk) {
    FillRandom(out.data() + done, std::min(kChunk, n - done));
  }
  return out;
}

uint32_t RandomBelow(uint32_t bound) {
  if (bound == 0) std::abort();  // a caller bug; the range would be empty
  // Reject draws from the incomplete top block of the 2^32 range so that every
  // residue is equally likely.
  const uint32_t limit = std::numeric_limits<uint32_t>::max() -
                         (std::numeric_limits<uint32_t>::max() % bound + 1) % bound;
  for (;;) {
    uint32_t v;
    FillRandom(&v, sizeof v);
    if (v <= limit) return v % bound;
  }
}

std::string RandomUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string RandomString(size_t n, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > std::numeric_limits<uint32_t>::max()) std::abort();
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(alphabet[RandomBelow(static_cast<uint32_t>(alphabet.size()))]);
  }
  return out;
}

}  // namespace tandem::crypto
