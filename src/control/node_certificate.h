// A node's TLS server certificate, issued by Tandem's CA for the names its
// instance's endpoint answers to (endpoint_name.h), and kept in the node's
// record with its private key sealed under the master key.
//
// Thread-safety: thread-safe (the CA and master key are).
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "control/node_record.h"
#include "crypto/certificate_authority.h"
#include "crypto/envelope.h"
#include "engine/node_spec.h"

namespace tandem::control {

// Certificates are renewed at a node's start once less than this is left.
inline constexpr int64_t kCertificateRenewalMs = 30LL * 24 * 3600 * 1000;

// Issues a certificate for names and stores it, with its sealed key, in node.
Status IssueNodeCertificate(const crypto::CertificateAuthority& ca, const crypto::MasterKey& master,
                            const Clock& clock, const std::vector<std::string>& names,
                            NodeRecord& node);

// Whether node's certificate is missing or expires within kCertificateRenewalMs.
bool NeedsCertificate(const NodeRecord& node, const Clock& clock);

// The node's TLS material for its spec: certificate, opened key, CA.
// kCorruption if the key envelope does not open (another master key).
StatusOr<engine::NodeTls> NodeTlsMaterial(const crypto::CertificateAuthority& ca,
                                          const crypto::MasterKey& master, const NodeRecord& node);

}  // namespace tandem::control
