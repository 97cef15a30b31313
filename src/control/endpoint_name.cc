#include "control/endpoint_name.h"

#include <algorithm>

#include "crypto/digest.h"

namespace tandem::control {

std::string EndpointDnsName(const rds::DbInstance& instance) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  const crypto::Sha256Digest digest = crypto::Sha256("tandem-endpoint:" + instance.resource_id);
  std::string hash;
  for (size_t i = 0; i < 12; ++i) hash.push_back(kAlphabet[digest[i] % 36]);
  return instance.identifier + "." + hash + "." + instance.region + "." + kEndpointDomain;
}

std::vector<std::string> CertificateNames(const rds::DbInstance& instance,
                                          const std::vector<std::string>& endpoint_addresses) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", EndpointDnsName(instance)};
  for (const std::string& address : endpoint_addresses) {
    if (!address.empty() && std::find(names.begin(), names.end(), address) == names.end()) {
      names.push_back(address);
    }
  }
  return names;
}

}  // namespace tandem::control
