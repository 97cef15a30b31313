#include "control/node_certificate.h"

#include "crypto/digest.h"

namespace tandem::control {
namespace {

constexpr int kValidityDays = 397;

}  // namespace

Status IssueNodeCertificate(const crypto::CertificateAuthority& ca, const crypto::MasterKey& master,
                            const Clock& clock, const std::vector<std::string>& names,
                            NodeRecord& node) {
  auto issued = ca.IssueServerCertificate(names.empty() ? node.hostname : names.front(), names,
                                          kValidityDays);
  if (!issued.ok()) return issued.status();
  node.certificate_pem = issued->certificate_pem;
  node.private_key_envelope =
      crypto::Base64Encode(crypto::Seal(master, issued->private_key_pem, node.TlsKeyContext()));
  node.certificate_expires_ms = clock.NowMillis() + int64_t{kValidityDays} * 24 * 3600 * 1000;
  return Status::Ok();
}

bool NeedsCertificate(const NodeRecord& node, const Clock& clock) {
  return node.certificate_pem.empty() || node.private_key_envelope.empty() ||
         node.certificate_expires_ms - clock.NowMillis() < kCertificateRenewalMs;
}

StatusOr<engine::NodeTls> NodeTlsMaterial(const crypto::CertificateAuthority& ca,
                                          const crypto::MasterKey& master, const NodeRecord& node) {
  auto envelope = crypto::Base64Decode(node.private_key_envelope);
  if (!envelope) {
    return Status::Corruption("node record " + node.StoreKey() + " holds an unreadable key");
  }
  auto key = crypto::Open(master, *envelope, node.TlsKeyContext());
  if (!key.ok()) return key.status();
  engine::NodeTls tls;
  tls.certificate_pem = node.certificate_pem;
  tls.private_key_pem = std::move(*key);
  tls.ca_pem = ca.ca_certificate_pem();
  return tls;
}

}  // namespace tandem::control
