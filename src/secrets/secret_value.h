// SecretValue: the protected part of a version — a SecretString or a
// SecretBinary — and its envelope.
//
// A value is stored only sealed (crypto/envelope.h), bound to the store key of
// its own record: an envelope copied into another secret's or version's record
// does not open. The kind travels inside the envelope, so a string and binary
// of the same bytes are different values.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/envelope.h"

namespace tandem::secrets {

struct SecretValue {
  enum class Kind : char { kString = 's', kBinary = 'b' };
  Kind kind = Kind::kString;
  std::string bytes;

  bool operator==(const SecretValue&) const = default;
};

std::string SealSecretValue(const crypto::MasterKey& master, const SecretValue& value,
                            std::string_view record_key);

// kCorruption if the envelope does not open under master for record_key, or
// holds no value this code sealed.
StatusOr<SecretValue> OpenSecretValue(const crypto::MasterKey& master, std::string_view envelope,
                                      std::string_view record_key);

}  // namespace tandem::secrets
