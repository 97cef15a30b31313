// Tandem's own certificate authority (X.509, ECDSA P-256, OpenSSL 3).
//
// Created at tandemd's first start and kept for the life of the data
// directory: the CA certificate is written in the clear to
// <data-dir>/ca/ (rds-combined-ca-bundle.pem, global-bundle.pem, ca.pem) for
// clients to trust; the CA private key is stored only as an envelope under the
// master key (<data-dir>/ca/ca-key.envelope). The same CA signs the API's TLS
// certificate and, later, every database node's certificate.
//
// Thread-safety: Issue may be called concurrently after LoadOrCreate.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/envelope.h"

namespace tandem::crypto {

struct IssuedCertificate {
  std::string certificate_pem;  // leaf certificate followed by the CA certificate
  std::string private_key_pem;  // unencrypted PKCS#8; the caller decides where it may live
};

class CertificateAuthority {
 public:
  // Loads the CA from dir, or creates it (and dir, mode 0700) on first use.
  static StatusOr<std::unique_ptr<CertificateAuthority>> LoadOrCreate(const std::string& dir,
                                                                      const MasterKey& master);
  ~CertificateAuthority();

  // A server certificate valid for the given DNS names and IP addresses
  // (subjectAltName), with serverAuth extended key usage, valid for
  // validity_days from now. Names that parse as IPv4/IPv6 become IP SANs.
  StatusOr<IssuedCertificate> IssueServerCertificate(const std::string& common_name,
                                                     const std::vector<std::string>& names,
                                                     int validity_days = 397) const;

  const std::string& ca_certificate_pem() const { return ca_cert_pem_; }
  // Path of the bundle clients pass as --ca-bundle / --ssl-ca.
  const std::string& bundle_path() const { return bundle_path_; }

 private:
  CertificateAuthority() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string ca_cert_pem_;
  std::string bundle_path_;
};

}  // namespace tandem::crypto
