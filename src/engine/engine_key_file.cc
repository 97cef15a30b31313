#include "engine/engine_key_file.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace tandem::engine {
namespace {

constexpr char kSaltedPrefix[] = "Salted__";
constexpr size_t kSaltedPrefixSize = sizeof(kSaltedPrefix) - 1;
constexpr size_t kSaltSize = 8;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// Clears a string that held secret material before releasing it.
struct Wiped {
  std::string text;
  ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

// AES-256-CBC with PKCS#7 padding, key and IV derived from secret and salt as
// the plugin derives them (EVP_BytesToKey, SHA-1, one iteration).
StatusOr<std::string> Crypt(bool encrypt, const std::string& secret, std::string_view salt,
                            std::string_view input) {
  unsigned char key[32];
  unsigned char iv[16];
  if (EVP_BytesToKey(EVP_aes_256_cbc(), EVP_sha1(),
                     reinterpret_cast<const unsigned char*>(salt.data()),
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     static_cast<int>(secret.size()), 1, key, iv) != 32) {
    return Status::Internal("deriving the engine key file's key failed");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  std::string out(input.size() + 32, '\0');
  int n1 = 0;
  int n2 = 0;
  const bool ok =
      ctx &&
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key, iv, encrypt ? 1 : 0) == 1 &&
      EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n1,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) == 1 &&
      EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n1, &n2) == 1;
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(iv, sizeof iv);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return encrypt ? Status::Internal("encrypting the engine key file failed")
                   : Status::Corruption("the engine key file does not open with its file key");
  }
  out.resize(static_cast<size_t>(n1) + static_cast<size_t>(n2));
  return out;
}

}  // namespace

StatusOr<EngineKeyFile> SealEngineKeyFile(const std::map<uint32_t, std::string>& keys) {
  if (!keys.contains(1)) {
    return Status::InvalidArgument("the engine key file needs key id 1");
  }
  Wiped plaintext;
  for (const auto& [id, key] : keys) {
    if (id == 0 || (key.size() != 16 && key.size() != 24 && key.size() != 32)) {
      return Status::InvalidArgument("engine key " + std::to_string(id) +
                                     " is invalid: ids start at 1, keys have 16, 24 or 32 bytes");
    }
    Wiped hex{crypto::HexEncode(key)};
    plaintext.text += std::to_string(id) + ";" + hex.text + "\n";
  }
  EngineKeyFile file;
  // Hex text: the plugin reads the file key as a C string.
  file.file_key = crypto::HexEncode(crypto::RandomBytes(32));
  const std::string salt = crypto::RandomBytes(kSaltSize);
  auto sealed = Crypt(true, file.file_key, salt, plaintext.text);
  if (!sealed.ok()) return sealed.status();
  file.encrypted = std::string(kSaltedPrefix, kSaltedPrefixSize) + salt + *sealed;
  return file;
}

StatusOr<std::string> OpenEngineKeyFile(const EngineKeyFile& file) {
  if (file.encrypted.size() < kSaltedPrefixSize + kSaltSize ||
      file.encrypted.compare(0, kSaltedPrefixSize, kSaltedPrefix) != 0) {
    return Status::Corruption("the engine key file is not in the salted AES-256-CBC format");
  }
  std::string_view all(file.encrypted);
  return Crypt(false, file.file_key, all.substr(kSaltedPrefixSize, kSaltSize),
               all.substr(kSaltedPrefixSize + kSaltSize));
}

}  // namespace tandem::engine
