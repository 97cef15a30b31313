#include "api/router.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "api/json_protocol.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;

class RouterKeys : public CredentialLookup {
 public:
  std::optional<std::string> SecretKeyFor(const std::string& id) const override {
    if (id == "AKIAROUTERTEST000000") return "router-secret";
    return std::nullopt;
  }
};

// Records what the router hands it.
class RecordingService : public AwsService {
 public:
  explicit RecordingService(std::string name) : name_(std::move(name)) {}
  std::string signing_name() const override { return name_; }
  HttpResponse Handle(const RequestContext& ctx, const HttpRequest&) override {
    handled.push_back(ctx);
    return {200, "text/plain", name_, {}};
  }
  HttpResponse AuthError(const AuthFailure& failure, const std::string&) override {
    auth_errors.push_back(failure);
    return {403, "text/plain", "auth error from " + name_, {}};
  }
  std::vector<RequestContext> handled;
  std::vector<AuthFailure> auth_errors;

 private:
  std::string name_;
};

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(keys_, clock_, "123456789012") {
    router_.AddService(&secrets_);
    router_.AddService(&rds_);
  }

  HttpRequest Signed(const std::string& service, const std::string& region = "eu-west-1") {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {{"host", "localhost:4566"}};
    req.body = "{}";
    SignSigV4(req, {"AKIAROUTERTEST000000", "router-secret"}, region, service,
              clock_.NowMillis() / 1000);
    return req;
  }

  RouterKeys keys_;
  ManualClock clock_{1700000000000};
  RecordingService secrets_{"secretsmanager"};
  RecordingService rds_{"rds"};
  Router router_;
};

TEST_F(RouterTest, HealthNeedsNoAuthentication) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/_tandem/health";
  HttpResponse r = router_.Route(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Json::parse(r.body),
            (Json{{"status", "ready"}, {"services", {"rds", "secretsmanager"}}}));

  req.target = "/_tandem/health?verbose=1";
  EXPECT_EQ(router_.Route(req).status, 200);
  req.method = "POST";  // only GET is the health check
  EXPECT_NE(router_.Route(req).status, 200);
}

TEST_F(RouterTest, RoutesByScopeService) {
  HttpResponse r = router_.Route(Signed("secretsmanager", "us-west-2"));
  EXPECT_EQ(r.body, "secretsmanager");
  ASSERT_EQ(secrets_.handled.size(), 1u);
  const RequestContext& ctx = secrets_.handled[0];
  EXPECT_EQ(ctx.caller.access_key_id, "AKIAROUTERTEST000000");
  EXPECT_EQ(ctx.caller.region, "us-west-2");
  EXPECT_EQ(ctx.caller.service, "secretsmanager");
  EXPECT_EQ(ctx.account_id, "123456789012");
  EXPECT_EQ(ctx.request_id.size(), 36u);

  EXPECT_EQ(router_.Route(Signed("rds")).body, "rds");
  ASSERT_EQ(rds_.handled.size(), 1u);
  EXPECT_EQ(rds_.handled[0].caller.region, "eu-west-1");
  EXPECT_NE(rds_.handled[0].request_id, ctx.request_id);
}

TEST_F(RouterTest, UnknownServiceIsAJsonError) {
  HttpResponse r = router_.Route(Signed("kms"));
  EXPECT_EQ(r.status, 400);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["__type"], "UnknownOperationException");
  EXPECT_NE(body["Message"].get<std::string>().find("'kms'"), std::string::npos);
  EXPECT_TRUE(secrets_.handled.empty());
}

TEST_F(RouterTest, AuthFailuresAreRenderedByTheScopedService) {
  HttpRequest req = Signed("rds");
  req.body = "tampered";
  HttpResponse r = router_.Route(req);
  EXPECT_EQ(r.body, "auth error from rds");
  ASSERT_EQ(rds_.auth_errors.size(), 1u);
  EXPECT_EQ(rds_.auth_errors[0].kind, AuthFailure::Kind::kSignatureMismatch);
  EXPECT_TRUE(rds_.handled.empty());
}

TEST_F(RouterTest, AuthFailuresWithoutAKnownServiceAreJson) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/";
  HttpResponse r = router_.Route(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body), (Json{{"__type", "MissingAuthenticationTokenException"},
                                       {"Message", "Missing Authentication Token"}}));

  clock_.Advance(20 * 60 * 1000);
  HttpRequest stale = Signed("kms");
  clock_.Advance(20 * 60 * 1000);
  r = router_.Route(stale);
  EXPECT_EQ(Json::parse(r.body)["__type"], "InvalidSignatureException");
}

TEST_F(RouterTest, RequestIdsAreDistinctVersion4Uuids) {
  std::set<std::string> ids;
  for (int i = 0; i < 2000; ++i) {
    router_.Route(Signed("secretsmanager"));
    const std::string& id = secrets_.handled.back().request_id;
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[8], '-');
    EXPECT_EQ(id[13], '-');
    EXPECT_EQ(id[14], '4') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 2000u);
}

TEST_F(RouterTest, UsesTheClock) {
  HttpRequest req = Signed("secretsmanager");
  clock_.Advance(16 * 60 * 1000);
  EXPECT_EQ(router_.Route(req).body, "auth error from secretsmanager");
  EXPECT_EQ(secrets_.auth_errors.at(0).kind, AuthFailure::Kind::kExpired);
}

}  // namespace
}  // namespace tandem::api
