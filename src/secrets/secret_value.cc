#include "secrets/secret_value.h"

namespace tandem::secrets {

std::string SealSecretValue(const crypto::MasterKey& master, const SecretValue& value,
                            std::string_view record_key) {
  std::string plaintext;
  plaintext.reserve(value.bytes.size() + 1);
  plaintext.push_back(static_cast<char>(value.kind));
  plaintext.append(value.bytes);
  return crypto::Seal(master, plaintext, record_key);
}

StatusOr<SecretValue> OpenSecretValue(const crypto::MasterKey& master, std::string_view envelope,
                                      std::string_view record_key) {
  StatusOr<std::string> plaintext = crypto::Open(master, envelope, record_key);
  if (!plaintext.ok()) return plaintext.status();
  std::string& text = *plaintext;
  if (text.empty() || (text[0] != static_cast<char>(SecretValue::Kind::kString) &&
                       text[0] != static_cast<char>(SecretValue::Kind::kBinary))) {
    return Status::Corruption("the value record of " + std::string(record_key) +
                              " holds no secret value");
  }
  SecretValue value;
  value.kind = static_cast<SecretValue::Kind>(text[0]);
  value.bytes = text.substr(1);
  return value;
}

}  // namespace tandem::secrets
