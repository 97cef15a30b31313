// SigV4 verification against requests signed by the real botocore
// (tests/unit/data/make_sigv4_vectors.py -> sigv4_vectors.json).
#include "api/sigv4.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/clock.h"
#include "crypto/digest.h"

namespace tandem::api {
namespace {

using Kind = AuthFailure::Kind;

class FixedKeys : public CredentialLookup {
 public:
  void Add(const std::string& id, const std::string& secret) { keys_[id] = secret; }
  std::optional<std::string> SecretKeyFor(const std::string& id) const override {
    auto it = keys_.find(id);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> keys_;
};

struct Vector {
  std::string name;
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;
  std::string service;
  int64_t now = 0;
  HttpRequest request;
  std::string canonical_request;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string TrimForParser(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<Vector> LoadVectors() {
  std::ifstream in(std::string(TANDEM_TEST_DATA_DIR) + "/sigv4_vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str());
  std::vector<Vector> out;
  for (const auto& v : doc["vectors"]) {
    Vector vec;
    vec.name = v["name"];
    vec.access_key_id = v["access_key_id"];
    vec.secret_access_key = v["secret_access_key"];
    vec.region = v["region"];
    vec.service = v["service"];
    vec.now = v["now"];
    vec.canonical_request = v["canonical_request"];
    vec.request.method = v["method"];
    vec.request.target = v["target"];
    for (const auto& h : v["headers"]) {
      // As the server's parser hands them over: names lower-cased, values trimmed.
      vec.request.headers.emplace_back(Lower(h[0]), TrimForParser(h[1]));
    }
    vec.request.body = crypto::Base64Decode(v["body_base64"].get<std::string>()).value();
    out.push_back(std::move(vec));
  }
  return out;
}

const std::vector<Vector>& Vectors() {
  static const std::vector<Vector> vectors = LoadVectors();
  return vectors;
}

std::string SignedHeadersOf(const HttpRequest& req) {
  const std::string& auth = *req.Header("authorization");
  size_t start = auth.find("SignedHeaders=") + 14;
  return auth.substr(start, auth.find(',', start) - start);
}

std::string* MutableHeader(HttpRequest& req, const std::string& name) {
  for (auto& [n, v] : req.headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

class SigV4VectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(Vectors().size(), 10u);
    for (const Vector& v : Vectors()) keys_.Add(v.access_key_id, v.secret_access_key);
  }
  FixedKeys keys_;
};

TEST_F(SigV4VectorTest, EveryBotocoreSignedRequestVerifies) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    VerifyResult r = VerifySigV4(v.request, keys_, v.now);
    ASSERT_TRUE(r.ok) << r.failure.message;
    EXPECT_EQ(r.caller.access_key_id, v.access_key_id);
    EXPECT_EQ(r.caller.region, v.region);
    EXPECT_EQ(r.caller.service, v.service);
  }
}

TEST_F(SigV4VectorTest, CanonicalRequestMatchesBotocore) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    const std::string* claimed = v.request.Header("x-amz-content-sha256");
    std::string payload_hash =
        claimed ? *claimed : crypto::HexEncode(crypto::Sha256(v.request.body));
    EXPECT_EQ(CanonicalRequest(v.request, SignedHeadersOf(v.request), payload_hash),
              v.canonical_request);
  }
}

TEST_F(SigV4VectorTest, ChangingAnySignedHeaderFails) {
  for (const Vector& v : Vectors()) {
    std::string signed_headers = SignedHeadersOf(v.request);
    std::stringstream names(signed_headers);
    std::string name;
    while (std::getline(names, name, ';')) {
      SCOPED_TRACE(v.name + ": " + name);
      HttpRequest tampered = v.request;
      std::string* value = MutableHeader(tampered, name);
      ASSERT_NE(value, nullptr);
      if (name == "x-amz-date") {
        *value = FormatAmzDate(ParseAmzDate(*value) + 1);  // still fresh, still that day
      } else {
        *value += "x";
      }
      VerifyResult r = VerifySigV4(tampered, keys_, v.now);
      ASSERT_FALSE(r.ok);
      EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
      EXPECT_EQ(r.failure.service, v.service);
    }
  }
}

TEST_F(SigV4VectorTest, ChangingUnsignedHeadersIsAllowed) {
  const Vector& v = Vectors()[0];
  HttpRequest req = v.request;
  req.headers.emplace_back("user-agent", "something else");
  req.headers.emplace_back("amz-sdk-request", "attempt=2; max=3");
  EXPECT_TRUE(VerifySigV4(req, keys_, v.now).ok);
}

TEST_F(SigV4VectorTest, ChangingTheBodyFails) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    HttpRequest tampered = v.request;
    tampered.body += " ";
    VerifyResult r = VerifySigV4(tampered, keys_, v.now);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
  }
}

TEST_F(SigV4VectorTest, ChangingTheTargetOrMethodFails) {
  for (const Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    HttpRequest other_path = v.request;
    other_path.target.insert(1, "x");
    EXPECT_FALSE(VerifySigV4(other_path, keys_, v.now).ok);
    HttpRequest other_method = v.request;
    other_method.method = other_method.method == "GET" ? "POST" : "GET";
    EXPECT_FALSE(VerifySigV4(other_method, keys_, v.now).ok);
  }
}

TEST_F(SigV4VectorTest, MismatchMessageIsAwsWording) {
  const Vector& v = Vectors()[0];
  FixedKeys wrong;
  wrong.Add(v.access_key_id, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ");
  VerifyResult r = VerifySigV4(v.request, wrong, v.now);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
  EXPECT_EQ(r.failure.message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.");
}

TEST_F(SigV4VectorTest, UnknownAccessKeyIsRefused) {
  const Vector& v = Vectors()[0];
  FixedKeys none;
  VerifyResult r = VerifySigV4(v.request, none, v.now);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kUnknownKey);
  EXPECT_EQ(r.failure.message, "The security token included in the request is invalid.");
  EXPECT_EQ(r.failure.service, "secretsmanager");
}

TEST_F(SigV4VectorTest, FifteenMinuteWindow) {
  const Vector& v = Vectors()[0];  // signed at 20231114T221320Z
  EXPECT_TRUE(VerifySigV4(v.request, keys_, v.now + 15 * 60).ok);
  EXPECT_TRUE(VerifySigV4(v.request, keys_, v.now - 15 * 60).ok);

  VerifyResult late = VerifySigV4(v.request, keys_, v.now + 30 * 60);
  ASSERT_FALSE(late.ok);
  EXPECT_EQ(late.failure.kind, Kind::kExpired);
  EXPECT_EQ(late.failure.message,
            "Signature expired: 20231114T221320Z is now earlier than 20231114T222820Z "
            "(20231114T224320Z - 15 min.)");
  EXPECT_FALSE(VerifySigV4(v.request, keys_, v.now + 15 * 60 + 1).ok);

  VerifyResult early = VerifySigV4(v.request, keys_, v.now - 15 * 60 - 1);
  ASSERT_FALSE(early.ok);
  EXPECT_EQ(early.failure.kind, Kind::kExpired);
  EXPECT_EQ(early.failure.message,
            "Signature not yet current: 20231114T221320Z is still later than 20231114T221319Z "
            "(20231114T215819Z + 15 min.)");
}

TEST_F(SigV4VectorTest, ScopeDateMustMatchRequestDate) {
  const Vector& v = Vectors()[0];
  HttpRequest req = v.request;
  std::string* auth = MutableHeader(req, "authorization");
  auth->replace(auth->find("/20231114/"), 10, "/20231113/");
  VerifyResult r = VerifySigV4(req, keys_, v.now);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
  EXPECT_EQ(r.failure.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20231113' != '20231114', from '20231114T221320Z'.");
}

TEST_F(SigV4VectorTest, MissingSignedHeaderFails) {
  const Vector& v = Vectors()[0];
  for (const char* name : {"x-amz-target", "content-type", "host"}) {
    SCOPED_TRACE(name);
    HttpRequest req = v.request;
    std::erase_if(req.headers, [&](const auto& h) { return h.first == name; });
    VerifyResult r = VerifySigV4(req, keys_, v.now);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
  }
}

TEST_F(SigV4VectorTest, ContentSha256MustMatchTheBody) {
  const Vector& v = Vectors()[0];
  HttpRequest req = v.request;
  req.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  VerifyResult r = VerifySigV4(req, keys_, v.now);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
}

TEST_F(SigV4VectorTest, SignSigV4MatchesBotocore) {
  const Vector& v = Vectors()[0];  // json11_get_secret_value
  HttpRequest req = v.request;
  std::string botocore_authorization = *req.Header("authorization");
  std::erase_if(req.headers, [](const auto& h) {
    return h.first == "authorization" || h.first == "x-amz-date" || h.first == "content-length";
  });
  SignSigV4(req, {v.access_key_id, v.secret_access_key}, v.region, v.service, v.now);
  EXPECT_EQ(*req.Header("authorization"), botocore_authorization);
  EXPECT_TRUE(VerifySigV4(req, keys_, v.now).ok);
}

// Requests refused for their form, before any key is looked up.
class SigV4FormTest : public ::testing::Test {
 protected:
  SigV4FormTest() { keys_.Add("AKIDEXAMPLE", "secret"); }

  HttpRequest Request(const std::string& authorization) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {{"host", "localhost:4566"}, {"x-amz-date", "20231114T221320Z"}};
    if (!authorization.empty()) req.headers.emplace_back("authorization", authorization);
    return req;
  }
  VerifyResult Verify(const HttpRequest& req) { return VerifySigV4(req, keys_, 1700000000); }

  FixedKeys keys_;
};

TEST_F(SigV4FormTest, NoAuthorizationHeader) {
  VerifyResult r = Verify(Request(""));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kMissing);
  EXPECT_EQ(r.failure.message, "Missing Authentication Token");
}

TEST_F(SigV4FormTest, MissingParameters) {
  std::string auth =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/secretsmanager/aws4_request";
  VerifyResult r = Verify(Request(auth));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_EQ(r.failure.message,
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization=" +
                auth);
  EXPECT_EQ(r.failure.service, "secretsmanager");
}

TEST_F(SigV4FormTest, OtherSchemes) {
  for (const char* auth : {"Bearer abc", "AWS AKIDEXAMPLE:c2lnbmF0dXJl", "AWS4-HMAC-SHA256",
                           "garbage", "AWS4-HMAC-SHA256Credential=x"}) {
    SCOPED_TRACE(auth);
    VerifyResult r = Verify(Request(auth));
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
    EXPECT_NE(r.failure.message.find("Authorization header requires 'Credential' parameter."),
              std::string::npos);
  }
}

TEST_F(SigV4FormTest, MalformedCredential) {
  VerifyResult r = Verify(
      Request("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2, SignedHeaders=host, "
              "Signature=abc"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_EQ(r.failure.message,
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKIDEXAMPLE/20231114/us-west-2'");

  r =
      Verify(Request("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/rds/aws4_reques, "
                     "SignedHeaders=host, Signature=abc"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_EQ(r.failure.service, "rds");

  r = Verify(Request("AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=host, Signature=x"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
}

TEST_F(SigV4FormTest, HostMustBeSigned) {
  VerifyResult r = Verify(Request(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/secretsmanager/aws4_request, "
      "SignedHeaders=x-amz-date, Signature=abc"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_EQ(r.failure.message,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST_F(SigV4FormTest, DateRequired) {
  HttpRequest req = Request(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/secretsmanager/aws4_request, "
      "SignedHeaders=host, Signature=abc");
  std::erase_if(req.headers, [](const auto& h) { return h.first == "x-amz-date"; });
  VerifyResult r = Verify(req);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_NE(r.failure.message.find("Authorization header requires existence of either a "
                                   "'X-Amz-Date' or a 'Date' header."),
            std::string::npos);

  req.headers.emplace_back("x-amz-date", "2023-11-14T22:13:20Z");
  r = Verify(req);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure.kind, Kind::kIncomplete);
  EXPECT_EQ(r.failure.message,
            "Date must be in ISO-8601 'basic format'. Got '2023-11-14T22:13:20Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

// A request dated by the HTTP Date header, signed by hand the way the SigV4
// documentation describes.
TEST_F(SigV4FormTest, DateHeaderInsteadOfAmzDate) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/?Action=ListUsers&Version=2010-05-08";
  req.headers = {{"host", "localhost:4566"}, {"date", "Tue, 14 Nov 2023 22:13:20 GMT"}};
  std::string canonical = CanonicalRequest(req, "date;host", crypto::HexEncode(crypto::Sha256("")));
  std::string string_to_sign =
      "AWS4-HMAC-SHA256\n20231114T221320Z\n20231114/us-east-1/iam/"
      "aws4_request\n" +
      crypto::HexEncode(crypto::Sha256(canonical));
  crypto::Sha256Digest k = crypto::HmacSha256("AWS4secret", "20231114");
  k = crypto::HmacSha256(crypto::AsBytes(k), "us-east-1");
  k = crypto::HmacSha256(crypto::AsBytes(k), "iam");
  k = crypto::HmacSha256(crypto::AsBytes(k), "aws4_request");
  req.headers.emplace_back(
      "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/iam/aws4_request, "
      "SignedHeaders=date;host, Signature=" +
          crypto::HexEncode(crypto::HmacSha256(crypto::AsBytes(k), string_to_sign)));
  VerifyResult r = Verify(req);
  EXPECT_TRUE(r.ok) << r.failure.message;
  EXPECT_EQ(r.caller.service, "iam");
}

TEST(SignSigV4, RoundTripsWithVerify) {
  FixedKeys keys;
  keys.Add("AKIATESTTESTTESTTEST", "s3cr3t/with+chars");
  HttpRequest req;
  req.method = "POST";
  req.target = "/a%20b/c?z=1&a=%E2%82%AC";
  req.headers = {{"host", "127.0.0.1:4566"},
                 {"content-type", "application/x-amz-json-1.1"},
                 {"user-agent", "tandem-meter"}};
  req.body = "{}";
  SignSigV4(req, {"AKIATESTTESTTESTTEST", "s3cr3t/with+chars"}, "us-west-2", "secretsmanager",
            1700000000);
  EXPECT_EQ(*req.Header("x-amz-date"), "20231114T221320Z");
  EXPECT_NE(req.Header("authorization")->find("SignedHeaders=content-type;host;x-amz-date,"),
            std::string::npos);
  VerifyResult r = VerifySigV4(req, keys, 1700000000);
  EXPECT_TRUE(r.ok) << r.failure.message;

  // Signing again replaces the old signature rather than adding a second one.
  SignSigV4(req, {"AKIATESTTESTTESTTEST", "s3cr3t/with+chars"}, "us-west-2", "secretsmanager",
            1700000060);
  int authorizations = 0;
  for (const auto& h : req.headers) authorizations += h.first == "authorization";
  EXPECT_EQ(authorizations, 1);
  EXPECT_TRUE(VerifySigV4(req, keys, 1700000060).ok);
}

// Regions name store keys, ARNs and directories: any region name is its own
// namespace, but a scope whose region is no region name is refused (as AWS
// refuses a scope to a region it does not serve), however well it is signed.
TEST(SigV4Region, ScopeMustNameARegion) {
  FixedKeys keys;
  keys.Add("AKIATESTTESTTESTTEST", "secret");
  auto signed_for = [](const std::string& region) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {{"host", "127.0.0.1:4566"}};
    req.body = "{}";
    SignSigV4(req, {"AKIATESTTESTTESTTEST", "secret"}, region, "secretsmanager", 1700000000);
    return req;
  };
  for (const std::string region : {"us-east-1", "xx-nowhere-9", "us-gov-west-1", "local"}) {
    SCOPED_TRACE(region);
    VerifyResult r = VerifySigV4(signed_for(region), keys, 1700000000);
    EXPECT_TRUE(r.ok) << r.failure.message;
    EXPECT_EQ(r.caller.region, region);
  }
  for (const std::string& region :
       std::vector<std::string>{"", "US-EAST-1", "us east 1", "..", "us-east-1:x", "-us-east-1",
                                "1-east", "r\xC3\xA9gion", std::string(33, 'a')}) {
    SCOPED_TRACE(region);
    VerifyResult r = VerifySigV4(signed_for(region), keys, 1700000000);
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.failure.kind, Kind::kSignatureMismatch);
    EXPECT_EQ(r.failure.message.rfind("Credential should be scoped to a valid region", 0), 0u)
        << r.failure.message;
    EXPECT_EQ(r.failure.service, "secretsmanager");
  }
}

}  // namespace
}  // namespace tandem::api
