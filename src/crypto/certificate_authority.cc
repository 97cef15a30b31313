// Files in the CA directory:
//   ca.pem, rds-combined-ca-bundle.pem, global-bundle.pem  the CA certificate
//       (identical; the last two are the names AWS documents for RDS bundles,
//       so client configuration written for RDS works unchanged)
//   ca-key.envelope  the CA private key (PKCS#8 PEM) sealed under the master
//       key with context "tandem-ca-key"
//
// ca-key.envelope is written last and is what marks a CA as existing: a crash
// during creation leaves at most certificate files that the next start
// replaces, and once the key exists its certificate is already durable.
#include "crypto/certificate_authority.h"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include <cstring>

#include "crypto/digest.h"
#include "crypto/durable_file.h"
#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace tandem::crypto {
namespace {

constexpr char kKeyContext[] = "tandem-ca-key";
constexpr char kKeyFile[] = "ca-key.envelope";
constexpr char kCertFile[] = "ca.pem";
constexpr const char* kBundleFiles[] = {"rds-combined-ca-bundle.pem", "global-bundle.pem"};
constexpr int kCaValidityDays = 3650;
// Tolerates clocks of clients a little behind ours.
constexpr long kBackdateSeconds = 5 * 60;
constexpr size_t kMaxFileSize = 1 << 20;

Status OpenSslFailure(const std::string& what) {
  return Status::Internal(what + ": " + DrainOpenSslErrors());
}

StatusOr<PkeyPtr> NewP256Key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslFailure("cannot generate a P-256 key");
  return key;
}

StatusOr<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len < 0) return OpenSslFailure("cannot read memory BIO");
  return std::string(data, static_cast<size_t>(len));
}

StatusOr<std::string> CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslFailure("cannot encode certificate");
  }
  return BioContents(bio.get());
}

// Unencrypted PKCS#8 ("BEGIN PRIVATE KEY").
StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("cannot encode private key");
  }
  return BioContents(bio.get());
}

BioPtr ReadOnlyBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// 127 random bits: positive, and unpredictable as CA/Browser Forum rules ask.
Status SetRandomSerial(X509* cert) {
  std::string bytes = RandomBytes(16);
  bytes[0] = static_cast<char>(bytes[0] & 0x7f);
  BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslFailure("cannot set serial number");
  }
  return Status::Ok();
}

Status SetValidity(X509* cert, int days) {
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, nullptr) == nullptr) {
    return OpenSslFailure("cannot set validity");
  }
  return Status::Ok();
}

Status SetSubjectCommonName(X509* cert, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    DrainOpenSslErrors();
    return Status::InvalidArgument("common name '" + common_name +
                                   "' is not valid in a certificate: use 1-64 characters");
  }
  return Status::Ok();
}

// An extension written in OpenSSL's configuration syntax ("critical,CA:TRUE").
// issuer supplies the authority key identifier; cert the subject key.
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("cannot add extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return Status::Ok();
}

// Letters, digits, '-', '_', '.', and a leading "*." wildcard label: what
// hostname verification can match. Anything else is a caller error.
bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::string_view rest = name;
  if (rest.substr(0, 2) == "*.") rest.remove_prefix(2);
  if (rest.empty() || rest.front() == '.' || rest.back() == '.') return false;
  for (char c : rest) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return rest.find("..") == std::string_view::npos;
}

StatusOr<GeneralNamesPtr> SubjectAltNames(const std::vector<std::string>& names) {
  GeneralNamesPtr sans(sk_GENERAL_NAME_new_null());
  if (!sans) return OpenSslFailure("cannot allocate subjectAltName");
  for (const std::string& name : names) {
    unsigned char ip[16];
    int ip_len = 0;
    if (::inet_pton(AF_INET, name.c_str(), ip) == 1) {
      ip_len = 4;
    } else if (::inet_pton(AF_INET6, name.c_str(), ip) == 1) {
      ip_len = 16;
    } else if (!IsDnsName(name)) {
      return Status::InvalidArgument("'" + name +
                                     "' is neither a DNS name nor an IPv4/IPv6 address");
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr || sk_GENERAL_NAME_push(sans.get(), gn) == 0) {
      GENERAL_NAME_free(gn);
      return OpenSslFailure("cannot allocate subjectAltName");
    }
    ASN1_STRING* value = ASN1_STRING_type_new(ip_len > 0 ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
    const bool set =
        value != nullptr &&
        (ip_len > 0 ? ASN1_STRING_set(value, ip, ip_len)
                    : ASN1_STRING_set(value, name.data(), static_cast<int>(name.size()))) == 1;
    if (!set) {
      ASN1_STRING_free(value);
      return OpenSslFailure("cannot encode subjectAltName " + name);
    }
    GENERAL_NAME_set0_value(gn, ip_len > 0 ? GEN_IPADD : GEN_DNS, value);
  }
  return sans;
}

Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return OpenSslFailure("cannot sign certificate");
  return Status::Ok();
}

// "Tandem Root CA 1a2b3c4d": the suffix tells two installations' CAs apart
// in a client's trust store and is derived from the public key.
StatusOr<std::string> CaCommonName(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return OpenSslFailure("cannot encode CA public key");
  const Sha256Digest digest = Sha256(std::string_view(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  return "Tandem Root CA " + HexEncode(AsBytes(digest).substr(0, 4));
}

StatusOr<X509Ptr> NewCaCertificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return OpenSslFailure("cannot create CA certificate");
  }
  StatusOr<std::string> cn = CaCommonName(key);
  if (!cn.ok()) return cn.status();
  TANDEM_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  TANDEM_RETURN_IF_ERROR(SetValidity(cert.get(), kCaValidityDays));
  TANDEM_RETURN_IF_ERROR(SetSubjectCommonName(cert.get(), *cn));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) {
    return OpenSslFailure("cannot set CA issuer");
  }
  TANDEM_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  TANDEM_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  TANDEM_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  TANDEM_RETURN_IF_ERROR(Sign(cert.get(), key));
  return cert;
}

Status WriteCertificateFiles(const std::string& dir, const std::string& pem) {
  TANDEM_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + kCertFile, pem, 0644));
  for (const char* bundle : kBundleFiles) {
    TANDEM_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + bundle, pem, 0644));
  }
  return Status::Ok();
}

// Rewrites bundle files that are missing or differ from ca.pem (an operator
// may have deleted one; clients must always find them).
Status RepairBundles(const std::string& dir, const std::string& pem) {
  for (const char* bundle : kBundleFiles) {
    const std::string path = dir + "/" + bundle;
    StatusOr<std::string> current = ReadWholeFile(path, kMaxFileSize);
    if (current.ok() && *current == pem) continue;
    if (!current.ok() && current.status().code() != Status::Code::kNotFound) {
      return current.status();
    }
    TANDEM_RETURN_IF_ERROR(WriteFileAtomically(path, pem, 0644));
  }
  return Status::Ok();
}

}  // namespace

struct CertificateAuthority::Impl {
  PkeyPtr key;
  X509Ptr cert;
};

CertificateAuthority::~CertificateAuthority() = default;

StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::LoadOrCreate(
    const std::string& dir, const MasterKey& master) {
  TANDEM_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  const std::string key_path = dir + "/" + kKeyFile;
  const std::string cert_path = dir + "/" + kCertFile;
  auto ca = std::unique_ptr<CertificateAuthority>(new CertificateAuthority());
  ca->impl_ = std::make_unique<Impl>();
  Impl& impl = *ca->impl_;

  StatusOr<std::string> envelope = ReadWholeFile(key_path, kMaxFileSize);
  if (envelope.ok()) {
    StatusOr<std::string> key_pem = Open(master, *envelope, kKeyContext);
    if (!key_pem.ok()) {
      return Status::Corruption("cannot open " + key_path + ": " + key_pem.status().message());
    }
    BioPtr key_bio = ReadOnlyBio(*key_pem);
    impl.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    if (!impl.key) return Status::Corruption(key_path + " does not hold a private key");

    StatusOr<std::string> cert_pem = ReadWholeFile(cert_path, kMaxFileSize);
    if (!cert_pem.ok()) {
      if (cert_pem.status().code() != Status::Code::kNotFound) return cert_pem.status();
      return Status::Corruption(cert_path + " is missing but " + key_path + " exists; restore " +
                                kCertFile + " from a backup");
    }
    BioPtr cert_bio = ReadOnlyBio(*cert_pem);
    impl.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    if (!impl.cert) return Status::Corruption(cert_path + " does not hold a PEM certificate");
    if (X509_check_private_key(impl.cert.get(), impl.key.get()) != 1) {
      DrainOpenSslErrors();
      return Status::Corruption(cert_path + " does not belong to the key in " + key_path);
    }
  } else if (envelope.status().code() == Status::Code::kNotFound) {
    StatusOr<PkeyPtr> key = NewP256Key();
    if (!key.ok()) return key.status();
    impl.key = std::move(*key);
    StatusOr<X509Ptr> cert = NewCaCertificate(impl.key.get());
    if (!cert.ok()) return cert.status();
    impl.cert = std::move(*cert);
    StatusOr<std::string> pem = CertificatePem(impl.cert.get());
    if (!pem.ok()) return pem.status();
    TANDEM_RETURN_IF_ERROR(WriteCertificateFiles(dir, *pem));
    StatusOr<std::string> key_pem = PrivateKeyPem(impl.key.get());
    if (!key_pem.ok()) return key_pem.status();
    const std::string sealed = Seal(master, *key_pem, kKeyContext);
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    TANDEM_RETURN_IF_ERROR(CreateFileExclusively(key_path, sealed, 0600));
  } else {
    return envelope.status();
  }

  StatusOr<std::string> pem = CertificatePem(impl.cert.get());
  if (!pem.ok()) return pem.status();
  TANDEM_RETURN_IF_ERROR(RepairBundles(dir, *pem));
  // Computes OpenSSL's cached extension data now, so that concurrent
  // IssueServerCertificate calls only ever read the CA certificate.
  X509_check_purpose(impl.cert.get(), -1, 0);
  ca->ca_cert_pem_ = std::move(*pem);
  ca->bundle_path_ = dir + "/" + kBundleFiles[0];
  return ca;
}

StatusOr<IssuedCertificate> CertificateAuthority::IssueServerCertificate(
    const std::string& common_name, const std::vector<std::string>& names,
    int validity_days) const {
  if (names.empty()) {
    return Status::InvalidArgument(
        "a server certificate needs at least one DNS name or IP address");
  }
  if (validity_days <= 0) {
    return Status::InvalidArgument("validity_days must be positive, got " +
                                   std::to_string(validity_days));
  }
  StatusOr<GeneralNamesPtr> sans = SubjectAltNames(names);
  if (!sans.ok()) return sans.status();
  StatusOr<PkeyPtr> key = NewP256Key();
  if (!key.ok()) return key.status();

  X509* ca_cert = impl_->cert.get();
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(cert.get(), key->get()) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert)) != 1) {
    return OpenSslFailure("cannot create server certificate");
  }
  TANDEM_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  TANDEM_RETURN_IF_ERROR(SetValidity(cert.get(), validity_days));
  // A certificate cannot outlive its issuer; clients would reject the chain.
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca_cert)) > 0 &&
      X509_set1_notAfter(cert.get(), X509_get0_notAfter(ca_cert)) != 1) {
    return OpenSslFailure("cannot set validity");
  }
  TANDEM_RETURN_IF_ERROR(SetSubjectCommonName(cert.get(), common_name));
  TANDEM_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert, NID_basic_constraints, "critical,CA:FALSE"));
  TANDEM_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert, NID_key_usage, "critical,digitalSignature"));
  TANDEM_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert, NID_ext_key_usage, "serverAuth"));
  TANDEM_RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert, NID_subject_key_identifier, "hash"));
  TANDEM_RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert, NID_authority_key_identifier, "keyid:always"));
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans->get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return OpenSslFailure("cannot add subjectAltName");
  }
  TANDEM_RETURN_IF_ERROR(Sign(cert.get(), impl_->key.get()));

  StatusOr<std::string> cert_pem = CertificatePem(cert.get());
  if (!cert_pem.ok()) return cert_pem.status();
  StatusOr<std::string> key_pem = PrivateKeyPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  return IssuedCertificate{*cert_pem + ca_cert_pem_, std::move(*key_pem)};
}

}  // namespace tandem::crypto
