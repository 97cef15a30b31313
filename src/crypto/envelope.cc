// Envelope format, version 1 (all sizes in bytes; n = plaintext length):
//
//   offset  size  field
//   0       1     format version, 0x01
//   1       4     master key id: the first 4 bytes of
//                 SHA-256("tandem-master-key-id" || master key)
//   5       12    nonce of the data key's encryption (random)
//   17      32    data key, AES-256-GCM encrypted under the master key
//   49      16    GCM tag of the data key
//   65      12    nonce of the payload's encryption (random)
//   77      n     payload, AES-256-GCM encrypted under the data key
//   77+n    16    GCM tag of the payload
//
// Both encryptions take header || context as additional authenticated data,
// where header is bytes 0-4: the version and key id cannot be altered, and an
// envelope opened under another context fails. The key id is checked before
// any decryption so a wrong master key is reported as such.
//
// Nonces under the master key are random; at 96 bits the chance of a repeat
// stays negligible far beyond the number of objects a control plane seals
// (NIST SP 800-38D allows 2^32 random nonces per key).
#include "crypto/envelope.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/types.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "crypto/digest.h"
#include "crypto/durable_file.h"
#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace tandem::crypto {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kKeySize = 32;
constexpr size_t kKeyIdSize = 4;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kHeaderSize = 1 + kKeyIdSize;
constexpr size_t kWrappedKeySize = kNonceSize + kKeySize + kTagSize;
constexpr size_t kOverhead = kHeaderSize + kWrappedKeySize + kNonceSize + kTagSize;

const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* Bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// EVP update calls take int lengths; feed larger inputs in pieces.
template <class Update>
bool ForEachChunk(std::string_view in, Update update) {
  constexpr size_t kChunk = INT_MAX / 2;
  for (size_t done = 0; done < in.size(); done += kChunk) {
    if (!update(in.substr(done, kChunk), done)) return false;
  }
  return true;
}

// Appends AES-256-GCM(key, nonce, aad1 || aad2, plaintext) and its tag to out.
void GcmSeal(std::string_view key, std::string_view nonce, std::string_view aad1,
             std::string_view aad2, std::string_view plaintext, std::string* out) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kTagSize);
  unsigned char* dst = reinterpret_cast<unsigned char*>(out->data()) + start;
  bool ok = ctx && Aes256Gcm() &&
            EVP_EncryptInit_ex2(ctx.get(), Aes256Gcm(), Bytes(key), Bytes(nonce), nullptr) == 1;
  for (std::string_view aad : {aad1, aad2}) {
    ok = ok && (aad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                                 static_cast<int>(aad.size())) == 1);
  }
  ok = ok && ForEachChunk(plaintext, [&](std::string_view piece, size_t offset) {
         return EVP_EncryptUpdate(ctx.get(), dst + offset, &len, Bytes(piece),
                                  static_cast<int>(piece.size())) == 1;
       });
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), dst + plaintext.size(), &len) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, dst + plaintext.size()) == 1;
  if (!ok) DieOnOpenSslFailure("AES-256-GCM encryption");
}

// Decrypts ciphertext_and_tag; false if authentication fails.
bool GcmOpen(std::string_view key, std::string_view nonce, std::string_view aad1,
             std::string_view aad2, std::string_view ciphertext_and_tag, std::string* plaintext) {
  const std::string_view ciphertext =
      ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kTagSize);
  std::string tag(ciphertext_and_tag.substr(ciphertext.size()));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !Aes256Gcm()) DieOnOpenSslFailure("AES-256-GCM decryption");
  int len = 0;
  plaintext->assign(ciphertext.size(), '\0');
  unsigned char* dst = Bytes(*plaintext);
  bool ok = EVP_DecryptInit_ex2(ctx.get(), Aes256Gcm(), Bytes(key), Bytes(nonce), nullptr) == 1;
  for (std::string_view aad : {aad1, aad2}) {
    ok = ok && (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                                 static_cast<int>(aad.size())) == 1);
  }
  ok = ok && ForEachChunk(ciphertext, [&](std::string_view piece, size_t offset) {
         return EVP_DecryptUpdate(ctx.get(), dst + offset, &len, Bytes(piece),
                                  static_cast<int>(piece.size())) == 1;
       });
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, Bytes(tag)) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), dst + ciphertext.size(), &len) == 1;
  ERR_clear_error();  // a failed tag check leaves nothing worth reporting
  if (!ok) {
    OPENSSL_cleanse(plaintext->data(), plaintext->size());
    plaintext->clear();
  }
  return ok;
}

std::string KeyIdBytes(std::string_view key) {
  const Sha256Digest d = Sha256(std::string("tandem-master-key-id") + std::string(key));
  return std::string(AsBytes(d).substr(0, kKeyIdSize));
}

Status CheckKeyFilePermissions(const std::string& path, mode_t file_mode) {
  if ((file_mode & 077) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file_mode & 07777));
    return Status::InvalidArgument("master key file " + path + " has mode " + mode +
                                   ", which lets group or others access it; run chmod 600 " +
                                   "on it and check who may have copied it");
  }
  return Status::Ok();
}

}  // namespace

MasterKey MasterKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeySize) {
    std::fprintf(stderr, "fatal: MasterKey::FromBytes needs %zu bytes, got %zu\n", kKeySize,
                 bytes.size());
    std::abort();
  }
  MasterKey key;
  key.key_ = std::string(bytes);
  key.id_ = HexEncode(KeyIdBytes(bytes));
  return key;
}

StatusOr<MasterKey> MasterKey::LoadOrCreate(const std::string& path) {
  mode_t mode = 0;
  StatusOr<std::string> contents = ReadWholeFile(path, kKeySize, &mode);
  if (!contents.ok() && contents.status().code() == Status::Code::kNotFound) {
    std::string fresh = RandomBytes(kKeySize);
    Status created = CreateFileExclusively(path, fresh, 0600);
    OPENSSL_cleanse(fresh.data(), fresh.size());
    // kAlreadyExists: another process created it first; use that one.
    if (!created.ok() && created.code() != Status::Code::kAlreadyExists) return created;
    contents = ReadWholeFile(path, kKeySize, &mode);
  }
  if (!contents.ok()) return contents.status();
  if (Status st = CheckKeyFilePermissions(path, mode); !st.ok()) {
    OPENSSL_cleanse(contents->data(), contents->size());
    return st;
  }
  if (contents->size() != kKeySize) {
    const std::string size =
        contents->size() > kKeySize ? "more than 32" : std::to_string(contents->size());
    OPENSSL_cleanse(contents->data(), contents->size());
    return Status::InvalidArgument("master key file " + path + " has " + size +
                                   " bytes; a master key is exactly 32 random bytes");
  }
  MasterKey key = FromBytes(*contents);
  OPENSSL_cleanse(contents->data(), contents->size());
  return key;
}

std::string Seal(const MasterKey& master, std::string_view plaintext, std::string_view context) {
  std::string data_key = RandomBytes(kKeySize);
  std::string out;
  out.reserve(kOverhead + plaintext.size());
  out.push_back(static_cast<char>(kFormatVersion));
  out += KeyIdBytes(master.key_);
  const std::string header = out;

  const std::string wrap_nonce = RandomBytes(kNonceSize);
  out += wrap_nonce;
  GcmSeal(master.key_, wrap_nonce, header, context, data_key, &out);

  const std::string payload_nonce = RandomBytes(kNonceSize);
  out += payload_nonce;
  GcmSeal(data_key, payload_nonce, header, context, plaintext, &out);
  OPENSSL_cleanse(data_key.data(), data_key.size());
  return out;
}

StatusOr<std::string> Open(const MasterKey& master, std::string_view envelope,
                           std::string_view context) {
  if (envelope.size() < kOverhead) {
    return Status::Corruption("envelope is truncated: " + std::to_string(envelope.size()) +
                              " bytes, at least " + std::to_string(kOverhead) + " expected");
  }
  if (static_cast<uint8_t>(envelope[0]) != kFormatVersion) {
    return Status::Corruption("envelope has unknown format version " +
                              std::to_string(static_cast<uint8_t>(envelope[0])) +
                              " (this server reads version 1)");
  }
  const std::string_view header = envelope.substr(0, kHeaderSize);
  const std::string sealed_under = HexEncode(header.substr(1));
  if (sealed_under != master.id()) {
    return Status::Corruption("envelope was sealed under master key " + sealed_under +
                              ", this server has " + master.id() +
                              "; start with the master key it was sealed under");
  }
  const Status tampered = Status::Corruption(
      "envelope failed authentication: it was altered, or belongs to another record");
  std::string_view rest = envelope.substr(kHeaderSize);
  std::string data_key;
  if (!GcmOpen(master.key_, rest.substr(0, kNonceSize), header, context,
               rest.substr(kNonceSize, kKeySize + kTagSize), &data_key)) {
    return tampered;
  }
  rest.remove_prefix(kWrappedKeySize);
  std::string plaintext;
  const bool opened = GcmOpen(data_key, rest.substr(0, kNonceSize), header, context,
                              rest.substr(kNonceSize), &plaintext);
  OPENSSL_cleanse(data_key.data(), data_key.size());
  if (!opened) return tampered;
  return plaintext;
}

}  // namespace tandem::crypto
