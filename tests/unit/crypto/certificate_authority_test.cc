#include "crypto/certificate_authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "crypto/openssl_ptr.h"
#include "testing/test_dir.h"

namespace tandem::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using SslCtxPtr = OpenSslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = OpenSslPtr<SSL, SSL_free>;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Every certificate in a PEM text, in order.
std::vector<X509Ptr> ParseCertificates(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();
  return certs;
}

std::string CommonName(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

bool IsCritical(X509* cert, int nid) {
  const int idx = X509_get_ext_by_NID(cert, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

// Seconds from now until t (negative if t is in the past).
long SecondsFromNow(const ASN1_TIME* t) {
  int days = 0;
  int secs = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &secs, nullptr, t), 1);
  return days * 86400L + secs;
}

class CertificateAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<CertificateAuthority>> ca =
        CertificateAuthority::LoadOrCreate(ca_dir_, master_);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::move(*ca);
    std::vector<X509Ptr> certs = ParseCertificates(ca_->ca_certificate_pem());
    ASSERT_EQ(certs.size(), 1u);
    ca_cert_ = std::move(certs[0]);
  }

  IssuedCertificate Issue(const std::vector<std::string>& names) {
    StatusOr<IssuedCertificate> issued = ca_->IssueServerCertificate("db.example.com", names);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? *issued : IssuedCertificate{};
  }

  // X509_verify_cert of the leaf against the CA alone, in strict mode (what
  // recent Python versions use by default), optionally with a host name or IP
  // address as the verify parameter that a TLS client would set.
  int Verify(X509* leaf, const std::string& host = "", const std::string& ip = "") {
    X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca_cert_.get());
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
    if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
    return X509_STORE_CTX_get_error(ctx.get());
  }

  TestDir dir_;
  std::string ca_dir_ = dir_.File("ca");
  MasterKey master_ = MasterKey::FromBytes(std::string(32, 'm'));
  std::unique_ptr<CertificateAuthority> ca_;
  X509Ptr ca_cert_;
};

TEST_F(CertificateAuthorityTest, CreatesCaFiles) {
  EXPECT_EQ(ModeOf(ca_dir_), 0700u);
  EXPECT_EQ(ModeOf(ca_dir_ + "/ca-key.envelope"), 0600u);
  for (const char* name : {"ca.pem", "rds-combined-ca-bundle.pem", "global-bundle.pem"}) {
    EXPECT_EQ(ReadFile(ca_dir_ + "/" + name), ca_->ca_certificate_pem()) << name;
  }
  EXPECT_EQ(ca_->bundle_path(), ca_dir_ + "/rds-combined-ca-bundle.pem");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(ca_dir_), {}), 4);
}

TEST_F(CertificateAuthorityTest, CaCertificateIsA10YearP256Root) {
  X509* cert = ca_cert_.get();
  EXPECT_THAT(CommonName(cert), StartsWith("Tandem Root CA "));
  EXPECT_EQ(CommonName(cert).size(), std::string("Tandem Root CA ").size() + 8);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), 0);
  EXPECT_EQ(X509_check_ca(cert), 1);
  EXPECT_TRUE(IsCritical(cert, NID_basic_constraints));
  EXPECT_EQ(X509_get_key_usage(cert), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_NE(X509_get0_subject_key_id(cert), nullptr);
  EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert)), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(cert)), 256);
  EXPECT_NEAR(SecondsFromNow(X509_get0_notAfter(cert)), 3650L * 86400, 3600);
  EXPECT_LE(SecondsFromNow(X509_get0_notBefore(cert)), 0);
}

TEST_F(CertificateAuthorityTest, ReloadsSameCa) {
  StatusOr<std::unique_ptr<CertificateAuthority>> again =
      CertificateAuthority::LoadOrCreate(ca_dir_, master_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->ca_certificate_pem(), ca_->ca_certificate_pem());
  // A certificate issued by the reloaded CA verifies against the original.
  StatusOr<IssuedCertificate> issued = (*again)->IssueServerCertificate("x", {"x.example"});
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(Verify(ParseCertificates(issued->certificate_pem)[0].get()), X509_V_OK);
}

TEST_F(CertificateAuthorityTest, ReloadWithWrongMasterKeyNamesKeys) {
  const MasterKey other = MasterKey::FromBytes(std::string(32, 'o'));
  StatusOr<std::unique_ptr<CertificateAuthority>> again =
      CertificateAuthority::LoadOrCreate(ca_dir_, other);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kCorruption);
  EXPECT_THAT(again.status().message(), HasSubstr(master_.id()));
  EXPECT_THAT(again.status().message(), HasSubstr(other.id()));
}

TEST_F(CertificateAuthorityTest, RestoresDeletedBundle) {
  std::filesystem::remove(ca_dir_ + "/global-bundle.pem");
  std::ofstream(ca_dir_ + "/rds-combined-ca-bundle.pem") << "stale";
  ASSERT_TRUE(CertificateAuthority::LoadOrCreate(ca_dir_, master_).ok());
  EXPECT_EQ(ReadFile(ca_dir_ + "/global-bundle.pem"), ca_->ca_certificate_pem());
  EXPECT_EQ(ReadFile(ca_dir_ + "/rds-combined-ca-bundle.pem"), ca_->ca_certificate_pem());
}

TEST_F(CertificateAuthorityTest, MissingCertificateWithKeyIsCorruption) {
  std::filesystem::remove(ca_dir_ + "/ca.pem");
  StatusOr<std::unique_ptr<CertificateAuthority>> again =
      CertificateAuthority::LoadOrCreate(ca_dir_, master_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kCorruption);
}

TEST_F(CertificateAuthorityTest, KeyFileHoldsNoPrivateKeyInTheClear) {
  const std::string sealed = ReadFile(ca_dir_ + "/ca-key.envelope");
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(sealed.find("-----"), std::string::npos);
  // Nor as DER: the PKCS#8 prefix of an EC key would start with 0x30 0x81.
  EXPECT_EQ(sealed.find("\x06\x07\x2a\x86\x48\xce\x3d\x02\x01"), std::string::npos);
}

TEST_F(CertificateAuthorityTest, IssuedCertificateVerifiesAgainstCa) {
  const IssuedCertificate issued = Issue({"db.example.com", "localhost", "127.0.0.1", "::1"});
  std::vector<X509Ptr> chain = ParseCertificates(issued.certificate_pem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(X509_cmp(chain[1].get(), ca_cert_.get()), 0);
  X509* leaf = chain[0].get();
  EXPECT_EQ(Verify(leaf), X509_V_OK);

  EXPECT_EQ(CommonName(leaf), "db.example.com");
  EXPECT_EQ(X509_check_ca(leaf), 0);
  EXPECT_TRUE(IsCritical(leaf, NID_basic_constraints));
  EXPECT_NE(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER, 0u);
  ASSERT_NE(X509_get0_authority_key_id(leaf), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf),
                                  X509_get0_subject_key_id(ca_cert_.get())),
            0);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(leaf)), 256);
  EXPECT_NEAR(SecondsFromNow(X509_get0_notBefore(leaf)), -300, 60);
  EXPECT_NEAR(SecondsFromNow(X509_get0_notAfter(leaf)), 397L * 86400, 3600);

  EXPECT_THAT(issued.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  BioPtr bio(BIO_new_mem_buf(issued.private_key_pem.data(),
                             static_cast<int>(issued.private_key_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(key);
  EXPECT_EQ(X509_check_private_key(leaf, key.get()), 1);
}

TEST_F(CertificateAuthorityTest, HostNameAndIpChecksFollowSubjectAltNames) {
  const IssuedCertificate issued = Issue({"db.example.com", "*.proxy.example", "127.0.0.1", "::1"});
  X509Ptr leaf = std::move(ParseCertificates(issued.certificate_pem)[0]);
  for (const char* host : {"db.example.com", "DB.Example.Com", "a.proxy.example"}) {
    EXPECT_EQ(X509_check_host(leaf.get(), host, 0, 0, nullptr), 1) << host;
    EXPECT_EQ(Verify(leaf.get(), host), X509_V_OK) << host;
  }
  for (const char* host : {"other.example.com", "example.com", "a.b.proxy.example", "127.0.0.1"}) {
    EXPECT_NE(X509_check_host(leaf.get(), host, 0, 0, nullptr), 1) << host;
    EXPECT_EQ(Verify(leaf.get(), host), X509_V_ERR_HOSTNAME_MISMATCH) << host;
  }
  for (const char* ip : {"127.0.0.1", "::1", "0:0:0:0:0:0:0:1"}) {
    EXPECT_EQ(X509_check_ip_asc(leaf.get(), ip, 0), 1) << ip;
    EXPECT_EQ(Verify(leaf.get(), "", ip), X509_V_OK) << ip;
  }
  for (const char* ip : {"127.0.0.2", "::2", "10.0.0.1"}) {
    EXPECT_NE(X509_check_ip_asc(leaf.get(), ip, 0), 1) << ip;
    EXPECT_EQ(Verify(leaf.get(), "", ip), X509_V_ERR_IP_ADDRESS_MISMATCH) << ip;
  }
}

TEST_F(CertificateAuthorityTest, CertificateFromAnotherCaDoesNotVerify) {
  TestDir other_dir;
  StatusOr<std::unique_ptr<CertificateAuthority>> other =
      CertificateAuthority::LoadOrCreate(other_dir.File("ca"), master_);
  ASSERT_TRUE(other.ok());
  StatusOr<IssuedCertificate> issued = (*other)->IssueServerCertificate("x", {"x.example"});
  ASSERT_TRUE(issued.ok());
  EXPECT_NE(Verify(ParseCertificates(issued->certificate_pem)[0].get()), X509_V_OK);
}

TEST_F(CertificateAuthorityTest, LeafNeverOutlivesCa) {
  StatusOr<IssuedCertificate> issued = ca_->IssueServerCertificate("x", {"x.example"}, 20 * 365);
  ASSERT_TRUE(issued.ok());
  X509Ptr leaf = std::move(ParseCertificates(issued->certificate_pem)[0]);
  EXPECT_EQ(ASN1_TIME_compare(X509_get0_notAfter(leaf.get()), X509_get0_notAfter(ca_cert_.get())),
            0);
  EXPECT_EQ(Verify(leaf.get()), X509_V_OK);
}

TEST_F(CertificateAuthorityTest, SerialsAreRandomAndPositive) {
  const IssuedCertificate a = Issue({"a.example"});
  const IssuedCertificate b = Issue({"a.example"});
  X509Ptr ca = std::move(ParseCertificates(a.certificate_pem)[0]);
  X509Ptr cb = std::move(ParseCertificates(b.certificate_pem)[0]);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()), X509_get0_serialNumber(cb.get())),
            0);
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca.get()), nullptr));
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_GT(BN_num_bits(serial.get()), 96);
  EXPECT_NE(a.private_key_pem, b.private_key_pem);
}

TEST_F(CertificateAuthorityTest, RejectsBadRequests) {
  EXPECT_EQ(ca_->IssueServerCertificate("x", {}).status().code(), Status::Code::kInvalidArgument);
  for (const char* bad : {"", "bad name", "a,b", "x..y", ".x", "host/path", "1.2.3.4:5"}) {
    EXPECT_EQ(ca_->IssueServerCertificate("x", {"ok.example", bad}).status().code(),
              Status::Code::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(ca_->IssueServerCertificate("x", {"ok.example"}, 0).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ca_->IssueServerCertificate(std::string(65, 'c'), {"ok.example"}).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(CertificateAuthorityTest, ConcurrentIssuesAllVerify) {
  std::vector<std::string> pems(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < pems.size(); ++i) {
    threads.emplace_back([&, i] {
      StatusOr<IssuedCertificate> issued =
          ca_->IssueServerCertificate("n", {"n" + std::to_string(i) + ".example"});
      if (issued.ok()) pems[i] = issued->certificate_pem;
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < pems.size(); ++i) {
    std::vector<X509Ptr> chain = ParseCertificates(pems[i]);
    ASSERT_EQ(chain.size(), 2u) << i;
    EXPECT_EQ(Verify(chain[0].get(), "n" + std::to_string(i) + ".example"), X509_V_OK);
  }
}

// Moves bytes between the two ends of an in-memory TLS connection until both
// handshakes finish or one fails.
bool Handshake(SSL* client, SSL* server) {
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 100 && !(client_done && server_done); ++round) {
    for (auto [ssl, done] : {std::pair{client, &client_done}, std::pair{server, &server_done}}) {
      if (*done) continue;
      const int rc = SSL_do_handshake(ssl);
      if (rc == 1) {
        *done = true;
      } else if (SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ) {
        return false;
      }
    }
  }
  return client_done && server_done;
}

// What a client such as Python's ssl module or the mysql client does: trust
// the bundle file and check the server's name.
bool TlsClientAccepts(const CertificateAuthority& ca, const IssuedCertificate& issued,
                      const std::string& host) {
  SslCtxPtr server_ctx(SSL_CTX_new(TLS_server_method()));
  BioPtr chain_bio(BIO_new_mem_buf(issued.certificate_pem.data(),
                                   static_cast<int>(issued.certificate_pem.size())));
  X509Ptr leaf(PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr));
  BioPtr key_bio(BIO_new_mem_buf(issued.private_key_pem.data(),
                                 static_cast<int>(issued.private_key_pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  EXPECT_EQ(SSL_CTX_use_certificate(server_ctx.get(), leaf.get()), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), key.get()), 1);

  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  EXPECT_EQ(SSL_CTX_load_verify_locations(client_ctx.get(), ca.bundle_path().c_str(), nullptr), 1);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(client_ctx.get()), X509_V_FLAG_X509_STRICT);

  SslPtr server(SSL_new(server_ctx.get()));
  SslPtr client(SSL_new(client_ctx.get()));
  SSL_set_accept_state(server.get());
  SSL_set_connect_state(client.get());
  SSL_set_tlsext_host_name(client.get(), host.c_str());
  SSL_set1_host(client.get(), host.c_str());
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  BIO_new_bio_pair(&client_end, 0, &server_end, 0);
  SSL_set_bio(client.get(), client_end, client_end);
  SSL_set_bio(server.get(), server_end, server_end);
  const bool ok = Handshake(client.get(), server.get());
  ERR_clear_error();
  return ok && SSL_get_verify_result(client.get()) == X509_V_OK;
}

TEST_F(CertificateAuthorityTest, TlsClientTrustingBundleAcceptsOnlyNamedHost) {
  const IssuedCertificate issued = Issue({"db.example.com"});
  EXPECT_TRUE(TlsClientAccepts(*ca_, issued, "db.example.com"));
  EXPECT_FALSE(TlsClientAccepts(*ca_, issued, "evil.example.com"));
}

}  // namespace
}  // namespace tandem::crypto
