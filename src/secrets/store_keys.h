// Where Secrets Manager keeps things in the store (see secrets_service.h for
// the layout). Region names and uids contain no '/', so a prefix ending in '/'
// selects exactly one region's secrets or one secret's values.
#pragma once

#include <string>
#include <string_view>

namespace tandem::secrets {

inline std::string SecretsPrefix(std::string_view region) {
  return "secrets/" + std::string(region) + "/";
}
inline std::string SecretKey(std::string_view region, std::string_view name) {
  return SecretsPrefix(region) + std::string(name);
}
inline std::string ValuesPrefix(std::string_view region, std::string_view uid) {
  return "secret-values/" + std::string(region) + "/" + std::string(uid) + "/";
}
inline std::string ValueKey(std::string_view region, std::string_view uid,
                            std::string_view version_id) {
  return ValuesPrefix(region, uid) + std::string(version_id);
}

}  // namespace tandem::secrets
