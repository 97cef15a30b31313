#include "crypto/digest.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/openssl_ptr.h"

namespace tandem::crypto {
namespace {

// Fetched once: an explicit fetch avoids a provider lookup on every call, and
// SigV4 computes several MACs per request.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a base64 character, or -1.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out;
  unsigned int len = 0;
  if (Sha256Md() == nullptr ||
      EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr) != 1 ||
      len != out.size()) {
    DieOnOpenSslFailure("SHA-256");
  }
  return out;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest out;
  // One context per thread, re-initialised with each key: creating a context
  // per call cost about 6% of the API server's CPU (SigV4 on every request).
  thread_local MacCtxPtr ctx(HmacAlgorithm() ? EVP_MAC_CTX_new(HmacAlgorithm()) : nullptr);
  if (!ctx) DieOnOpenSslFailure("HMAC");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // A zero-length key is valid HMAC; OpenSSL only needs a non-null pointer.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    DieOnOpenSslFailure("HMAC-SHA256");
  }
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(kBase64Alphabet[(n >> 6) & 63]);
    out.push_back(kBase64Alphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) n |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Strict: no whitespace, length a multiple of 4, '=' only as final padding.
// Callers get base64 from API requests, where anything else is a client error.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t digits = last ? 4 - padding : 4;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      int v = 0;
      if (j < digits) {
        v = Base64Value(text[i + j]);
        if (v < 0) return std::nullopt;
      }
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>(n >> 16));
    if (digits >= 3) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (digits == 4) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The lengths of MACs and signatures are public; only the contents are not.
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tandem::crypto
