// SecretsService through its operations (SecretsService::Invoke, the same
// handlers the JSON protocol calls), on an in-memory store and a manual clock.
// Expected field sets and messages come from responses recorded against AWS.
#include "secrets/secrets_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "crypto/random.h"

namespace tandem::secrets {
namespace {

using Json = api::Json;

constexpr char kRegion[] = "us-west-2";
constexpr char kAccount[] = "111111111111";
constexpr int64_t kStart = 1700000000000;  // 2023-11-14T22:13:20Z
constexpr int64_t kDay = 24 * 3600 * 1000;

std::set<std::string> Keys(const Json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

class SecretsServiceTest : public testing::Test {
 protected:
  Json Ok(const std::string& op, const Json& input) {
    api::ApiResult<Json> r = service_.Invoke(kRegion, op, input);
    EXPECT_TRUE(r.ok()) << op << " " << input.dump() << ": "
                        << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    return r.ok() ? r.value() : Json::object();
  }

  api::ApiError Err(const std::string& op, const Json& input) {
    api::ApiResult<Json> r = service_.Invoke(kRegion, op, input);
    EXPECT_FALSE(r.ok()) << op << " " << input.dump() << " succeeded: " << r.value().dump();
    return r.ok() ? api::ApiError{} : r.error();
  }

  static std::string Token() { return crypto::RandomUuid(); }

  Json Create(const std::string& name, const std::string& value) {
    return Ok("CreateSecret",
              {{"Name", name}, {"SecretString", value}, {"ClientRequestToken", Token()}});
  }

  Json Put(const std::string& id, const std::string& value, Json stages = nullptr) {
    Json input = {{"SecretId", id}, {"SecretString", value}, {"ClientRequestToken", Token()}};
    if (!stages.is_null()) input["VersionStages"] = stages;
    return Ok("PutSecretValue", input);
  }

  std::string Value(const std::string& id, const Json& extra = Json::object()) {
    Json input = extra;
    input["SecretId"] = id;
    return Ok("GetSecretValue", input).value("SecretString", "<none>");
  }

  // VersionId -> labels, as DescribeSecret shows them.
  Json Stages(const std::string& id) {
    return Ok("DescribeSecret", {{"SecretId", id}}).value("VersionIdsToStages", Json::object());
  }

  std::unique_ptr<Store> store_ = NewMemoryStore();
  ManualClock clock_{kStart};
  crypto::MasterKey master_ = crypto::MasterKey::FromBytes(std::string(32, 'k'));
  SecretsService service_{*store_, master_, clock_, SecretsOptions{kAccount}};
};

TEST_F(SecretsServiceTest, CreateGetDescribeByNameArnAndPartialArn) {
  std::string token = Token();
  Json created = Ok("CreateSecret", {{"Name", "Valid/_+=.@-Name-a1b2"},
                                     {"SecretString", "my_secret"},
                                     {"Description", "Testing secret creation."},
                                     {"ClientRequestToken", token}});
  EXPECT_EQ(Keys(created), (std::set<std::string>{"ARN", "Name", "VersionId"}));
  EXPECT_EQ(created["VersionId"], token);
  std::string arn = created["ARN"];
  EXPECT_TRUE(
      std::regex_match(arn, std::regex("arn:aws:secretsmanager:us-west-2:111111111111:secret:"
                                       "Valid/_\\+=\\.@-Name-a1b2-[A-Za-z0-9]{6}")))
      << arn;

  Json got = Ok("GetSecretValue", {{"SecretId", "Valid/_+=.@-Name-a1b2"}});
  EXPECT_EQ(Keys(got), (std::set<std::string>{"ARN", "CreatedDate", "Name", "SecretString",
                                              "VersionId", "VersionStages"}));
  EXPECT_EQ(got["SecretString"], "my_secret");
  EXPECT_EQ(got["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_DOUBLE_EQ(got["CreatedDate"].get<double>(), kStart / 1000.0);
  EXPECT_EQ(Value(arn), "my_secret");
  EXPECT_EQ(Value(arn.substr(0, arn.size() - 7)), "my_secret");

  Json described = Ok("DescribeSecret", {{"SecretId", arn}});
  EXPECT_EQ(Keys(described),
            (std::set<std::string>{"ARN", "CreatedDate", "Description", "LastAccessedDate",
                                   "LastChangedDate", "Name", "VersionIdsToStages"}));
  EXPECT_EQ(described["VersionIdsToStages"], (Json{{token, {"AWSCURRENT"}}}));
}

TEST_F(SecretsServiceTest, PartialArnOfNameEndingInSixCharactersIsReadAsFullArn) {
  std::string arn = Create("Invalid/_+=.@-Name-a1b2c3", "my_secret")["ARN"];
  api::ApiError e = Err("GetSecretValue", {{"SecretId", arn.substr(0, arn.size() - 7)}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Secrets Manager can't find the specified secret.");
}

TEST_F(SecretsServiceTest, EmptySecretHasNoVersionsUntilPut) {
  Json created = Ok("CreateSecret", {{"Name", "empty"}, {"Description", ""}});
  EXPECT_EQ(Keys(created), (std::set<std::string>{"ARN", "Name"}));
  Json described = Ok("DescribeSecret", {{"SecretId", created["ARN"]}});
  EXPECT_EQ(Keys(described),
            (std::set<std::string>{"ARN", "CreatedDate", "LastChangedDate", "Name"}));

  api::ApiError e = Err("GetSecretValue", {{"SecretId", "empty"}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
  e = Err("GetSecretValue",
          {{"SecretId", "empty"}, {"VersionId", "0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for VersionId: "
            "0123456789abcdef0123456789abcdef");
  e = Err("GetSecretValue", {{"SecretId", "empty"}, {"VersionStage", "AWSPENDING"}});
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for staging label: AWSPENDING");

  Json put = Put(created["ARN"], "example-string-to-protect");
  EXPECT_EQ(Keys(put), (std::set<std::string>{"ARN", "Name", "VersionId", "VersionStages"}));
  EXPECT_EQ(put["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_EQ(Value("empty"), "example-string-to-protect");
}

TEST_F(SecretsServiceTest, ClientRequestTokenIsTheVersionAndMakesRetriesIdempotent) {
  Create("s", "v0");
  std::string token = Token();
  Json input = {{"SecretId", "s"}, {"SecretString", "v1"}, {"ClientRequestToken", token}};
  Json first = Ok("PutSecretValue", input);
  clock_.Advance(1000);
  Json again = Ok("PutSecretValue", input);
  EXPECT_EQ(first, again);
  EXPECT_EQ(first["VersionId"], token);
  Json versions = Ok("ListSecretVersionIds", {{"SecretId", "s"}, {"IncludeDeprecated", true}});
  EXPECT_EQ(versions["Versions"].size(), 2u);

  input["SecretString"] = "changed-secret-value";
  api::ApiError e = Err("PutSecretValue", input);
  EXPECT_EQ(e.code, "ResourceExistsException");
  EXPECT_EQ(e.message.find("changed-secret-value"), std::string::npos) << "never echo a value";

  // The same bytes as binary are a different value.
  input.erase("SecretString");
  input["SecretBinary"] = "djE=";  // "v1"
  EXPECT_EQ(Err("PutSecretValue", input).code, "ResourceExistsException");
}

TEST_F(SecretsServiceTest, RetriedCreateSecretSucceedsOtherCreatesConflict) {
  std::string token = Token();
  Json input = {{"Name", "dup"}, {"SecretString", "x"}, {"ClientRequestToken", token}};
  Json first = Ok("CreateSecret", input);
  EXPECT_EQ(Ok("CreateSecret", input), first);
  input["ClientRequestToken"] = Token();
  api::ApiError e = Err("CreateSecret", input);
  EXPECT_EQ(e.code, "ResourceExistsException");
  EXPECT_EQ(e.message, "The operation failed because the secret dup already exists.");
}

TEST_F(SecretsServiceTest, MissingClientRequestToken) {
  const char* kMessage =
      "You must provide a ClientRequestToken value. We recommend a UUID-type value.";
  Json value = {{"SecretString", "thisisthesecret"}, {"Description", "My secret string"}};
  Json create = value;
  create["Name"] = "no-token";
  api::ApiError e = Err("CreateSecret", create);
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_EQ(e.message, kMessage);
  Json by_id = value;
  by_id["SecretId"] = "no-token";
  for (const char* op : {"UpdateSecret", "PutSecretValue"}) {
    e = Err(op, by_id);
    EXPECT_EQ(e.code, "InvalidRequestException") << op;
    EXPECT_EQ(e.message, kMessage) << op;
  }
  e = Err("RotateSecret", by_id);
  EXPECT_EQ(e.code, "InvalidParameterException");
  EXPECT_EQ(e.message, kMessage);
}

TEST_F(SecretsServiceTest, InvalidNamesAreValidationErrorsEverywhere) {
  const char* kMessage =
      "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
      "following: -/_+=.@!";
  for (const char* name : {"Inv Name", " Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"}) {
    api::ApiError e = Err("CreateSecret",
                          {{"Name", name}, {"SecretString", "x"}, {"ClientRequestToken", Token()}});
    EXPECT_EQ(e.code, "ValidationException");
    EXPECT_EQ(e.message, kMessage);
    const std::pair<const char*, Json> calls[] = {
        {"DeleteSecret", {{"ForceDeleteWithoutRecovery", true}}},
        {"DescribeSecret", Json::object()},
        {"GetSecretValue", Json::object()},
        {"ListSecretVersionIds", {{"IncludeDeprecated", true}}},
        {"PutSecretValue", {{"SecretString", "x"}}},
        {"TagResource", {{"Tags", {{{"Key", "FirstTag"}, {"Value", "SomeValue"}}}}}},
        {"UntagResource", {{"TagKeys", {"FirstTag"}}}},
        {"UpdateSecret", {{"Description", "MyNewDescription"}}},
        {"ValidateResourcePolicy", {{"ResourcePolicy", "{}"}}},
    };
    for (const auto& [op, extra] : calls) {
      Json input = extra;
      input["SecretId"] = name;
      e = Err(op, input);
      EXPECT_EQ(e.code, "ValidationException") << op;
      EXPECT_EQ(e.message, kMessage) << op;
    }
  }
}

TEST_F(SecretsServiceTest, BinaryValues) {
  Ok("CreateSecret",
     {{"Name", "bin"}, {"SecretBinary", "Zm9vdGVzdA=="}, {"ClientRequestToken", Token()}});
  Json got = Ok("GetSecretValue", {{"SecretId", "bin"}});
  EXPECT_EQ(got["SecretBinary"], "Zm9vdGVzdA==");
  EXPECT_FALSE(got.contains("SecretString"));
  Ok("PutSecretValue",
     {{"SecretId", "bin"}, {"SecretBinary", "AAEC/w=="}, {"ClientRequestToken", Token()}});
  EXPECT_EQ(Ok("GetSecretValue", {{"SecretId", "bin"}})["SecretBinary"], "AAEC/w==");
  EXPECT_EQ(Err("PutSecretValue",
                {{"SecretId", "bin"}, {"SecretBinary", "!!"}, {"ClientRequestToken", Token()}})
                .code,
            "InvalidParameterException");
  EXPECT_EQ(Err("PutSecretValue", {{"SecretId", "bin"},
                                   {"SecretBinary", "AA=="},
                                   {"SecretString", "x"},
                                   {"ClientRequestToken", Token()}})
                .code,
            "InvalidParameterException");
  api::ApiError e = Err("PutSecretValue", {{"SecretId", "bin"}, {"ClientRequestToken", Token()}});
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_EQ(e.message, "You must provide either SecretString or SecretBinary.");
}

TEST_F(SecretsServiceTest, ValueSizeLimitIsInBytes) {
  Create("big", std::string(65536, 'x'));
  // 32768 two-byte characters: within the model's character limit, over the byte quota.
  std::string wide;
  for (int i = 0; i < 32769; ++i) wide += "\xc3\xa9";
  api::ApiError e =
      Err("PutSecretValue",
          {{"SecretId", "big"}, {"SecretString", wide}, {"ClientRequestToken", Token()}});
  EXPECT_EQ(e.code, "ValidationException");
  EXPECT_EQ(e.message.find("\xc3\xa9"), std::string::npos);
}

TEST_F(SecretsServiceTest, PutWithVersionStagesMovesOnlyThoseLabels) {
  std::string v0 = Create("s", "secret_string_v0")["VersionId"];
  Json put1 = Put("s", "secret_string_v1", {"SAMPLESTAGE1", "SAMPLESTAGE0"});
  EXPECT_EQ(put1["VersionStages"], Json::array({"SAMPLESTAGE0", "SAMPLESTAGE1"}));
  EXPECT_EQ(Value("s"), "secret_string_v0");
  Json put2 = Put("s", "secret_string_v2", {"SAMPLESTAGE1", "SAMPLESTAGE0"});
  EXPECT_EQ(Value("s"), "secret_string_v0");
  Json put3 = Put("s", "secret_string_v3", {"AWSPENDING"});
  EXPECT_EQ(put3["VersionStages"], Json::array({"AWSPENDING"}));
  EXPECT_EQ(Value("s"), "secret_string_v0");
  EXPECT_EQ(Value("s", {{"VersionStage", "AWSPENDING"}}), "secret_string_v3");
  Json put4 = Put("s", "secret_string_v4");
  EXPECT_EQ(put4["VersionStages"], Json::array({"AWSCURRENT"}));
  EXPECT_EQ(Value("s"), "secret_string_v4");
  EXPECT_EQ(Stages("s"), (Json{{v0, {"AWSPREVIOUS"}},
                               {put2["VersionId"], {"SAMPLESTAGE0", "SAMPLESTAGE1"}},
                               {put3["VersionId"], {"AWSPENDING"}},
                               {put4["VersionId"], {"AWSCURRENT"}}}));
}

TEST_F(SecretsServiceTest, GetSecretValueErrors) {
  std::string v1 = Create("s", "test")["VersionId"];
  api::ApiError e = Err("GetSecretValue", {{"SecretId", "s"}, {"VersionStage", "AWSPREVIOUS"}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS");
  e = Err("GetSecretValue",
          {{"SecretId", "s"}, {"VersionId", v1}, {"VersionStage", "AWSPREVIOUS"}});
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_EQ(e.message,
            "You provided a VersionStage that is not associated to the provided VersionId.");
  EXPECT_EQ(Value("s", {{"VersionId", v1}, {"VersionStage", "AWSCURRENT"}}), "test");
  e = Err("GetSecretValue", {{"SecretId", "missing"}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Secrets Manager can't find the specified secret.");
}

// The sequence of test_update_secret_version_stages_current_pending_cycle,
// recorded against AWS.
TEST_F(SecretsServiceTest, RotationStyleLabelCycle) {
  std::string v0 = Create("s", "S1")["VersionId"];
  std::string v1 = Put("s", "S2", {"AWSPENDING"})["VersionId"];
  Json moved = Ok("UpdateSecretVersionStage", {{"SecretId", "s"},
                                               {"VersionStage", "AWSCURRENT"},
                                               {"RemoveFromVersionId", v0},
                                               {"MoveToVersionId", v1}});
  EXPECT_EQ(Keys(moved), (std::set<std::string>{"ARN", "Name"}));
  EXPECT_EQ(Stages("s"), (Json{{v0, {"AWSPREVIOUS"}}, {v1, {"AWSCURRENT", "AWSPENDING"}}}));
  EXPECT_EQ(Value("s"), "S2");
  std::string v2 = Put("s", "S3", {"AWSPENDING"})["VersionId"];
  EXPECT_EQ(Stages("s"), (Json{{v0, {"AWSPREVIOUS"}}, {v1, {"AWSCURRENT"}}, {v2, {"AWSPENDING"}}}));
  Ok("UpdateSecretVersionStage", {{"SecretId", "s"},
                                  {"VersionStage", "AWSCURRENT"},
                                  {"RemoveFromVersionId", v1},
                                  {"MoveToVersionId", v2}});
  EXPECT_EQ(Stages("s"), (Json{{v1, {"AWSPREVIOUS"}}, {v2, {"AWSCURRENT", "AWSPENDING"}}}));
  EXPECT_EQ(Value("s"), "S3");

  api::ApiError e =
      Err("UpdateSecretVersionStage",
          {{"SecretId", "s"}, {"VersionStage", "AWSCURRENT"}, {"MoveToVersionId", v0}});
  EXPECT_EQ(e.code, "InvalidParameterException");
}

TEST_F(SecretsServiceTest, UpdateSecret) {
  std::string v1 = Create("s", "MySecretString")["VersionId"];
  Json only_description = Ok("UpdateSecret", {{"SecretId", "s"}, {"Description", "MyDescription"}});
  EXPECT_EQ(Keys(only_description), (std::set<std::string>{"ARN", "Name"}));
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", "s"}})["Description"], "MyDescription");

  std::string token = Token();
  Json with_value = Ok("UpdateSecret", {{"SecretId", "s"},
                                        {"SecretString", "MyNewSecretString"},
                                        {"Description", "MyNewDescription"},
                                        {"ClientRequestToken", token}});
  EXPECT_EQ(with_value["VersionId"], token);
  EXPECT_EQ(Stages("s"), (Json{{v1, {"AWSPREVIOUS"}}, {token, {"AWSCURRENT"}}}));

  Json nothing = Ok("UpdateSecret", {{"SecretId", "s"}});
  EXPECT_EQ(Keys(nothing), (std::set<std::string>{"ARN", "Name"}));

  Ok("UpdateSecret", {{"SecretId", "s"}, {"Description", ""}, {"KmsKeyId", "alias/mine"}});
  Json described = Ok("DescribeSecret", {{"SecretId", "s"}});
  EXPECT_FALSE(described.contains("Description"));
  EXPECT_EQ(described["KmsKeyId"], "alias/mine");
}

TEST_F(SecretsServiceTest, LastChangedDateMovesOnChanges) {
  Create("s", "a");
  double created = Ok("DescribeSecret", {{"SecretId", "s"}})["LastChangedDate"];
  clock_.Advance(5000);
  Value("s");
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", "s"}})["LastChangedDate"], created);
  Ok("UpdateSecret", {{"SecretId", "s"}, {"SecretString", "b"}, {"ClientRequestToken", Token()}});
  EXPECT_GT(Ok("DescribeSecret", {{"SecretId", "s"}})["LastChangedDate"].get<double>(), created);
}

TEST_F(SecretsServiceTest, DeleteWithRecoveryWindowRestoreAndPurge) {
  std::string arn = Create("s", "x")["ARN"];
  api::ApiError e = Err("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 6}});
  EXPECT_EQ(e.code, "InvalidParameterException");
  e = Err("DeleteSecret",
          {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}, {"ForceDeleteWithoutRecovery", true}});
  EXPECT_EQ(e.code, "InvalidParameterException");

  Json deleted = Ok("DeleteSecret", {{"SecretId", "s"}});
  EXPECT_EQ(Keys(deleted), (std::set<std::string>{"ARN", "DeletionDate", "Name"}));
  EXPECT_DOUBLE_EQ(deleted["DeletionDate"].get<double>(), (kStart + 30 * kDay) / 1000.0);

  const char* kMarked =
      "You can't perform this operation on the secret because it was marked for deletion.";
  for (const char* op :
       {"GetSecretValue", "PutSecretValue", "UpdateSecret", "TagResource", "UntagResource",
        "ListSecretVersionIds", "GetResourcePolicy", "DeleteSecret"}) {
    Json input = {{"SecretId", "s"},
                  {"SecretString", "y"},
                  {"ClientRequestToken", Token()},
                  {"Tags", Json::array()},
                  {"TagKeys", Json::array()}};
    e = Err(op, input);
    EXPECT_EQ(e.code, "InvalidRequestException") << op;
    EXPECT_EQ(e.message, kMarked) << op;
  }
  Json described = Ok("DescribeSecret", {{"SecretId", arn}});
  EXPECT_DOUBLE_EQ(described["DeletedDate"].get<double>(), kStart / 1000.0);
  EXPECT_TRUE(Ok("ListSecrets", Json::object())["SecretList"].empty());
  EXPECT_EQ(Ok("ListSecrets", {{"IncludePlannedDeletion", true}})["SecretList"].size(), 1u);
  e = Err("CreateSecret", {{"Name", "s"}, {"SecretString", "x"}, {"ClientRequestToken", Token()}});
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_EQ(e.message,
            "You can't create this secret because a secret with this name is already scheduled "
            "for deletion.");

  Json restored = Ok("RestoreSecret", {{"SecretId", "s"}});
  EXPECT_EQ(Keys(restored), (std::set<std::string>{"ARN", "Name"}));
  EXPECT_EQ(Value("s"), "x");
  EXPECT_FALSE(Ok("DescribeSecret", {{"SecretId", "s"}}).contains("DeletedDate"));

  Ok("DeleteSecret", {{"SecretId", "s"}, {"RecoveryWindowInDays", 7}});
  clock_.Advance(7 * kDay - 1);
  EXPECT_EQ(*service_.PurgeExpiredSecrets(), 0);
  clock_.Advance(1);
  EXPECT_EQ(*service_.PurgeExpiredSecrets(), 1);
  EXPECT_EQ(Err("DescribeSecret", {{"SecretId", "s"}}).code, "ResourceNotFoundException");
  EXPECT_TRUE(store_->List("secret-values/")->empty());
  EXPECT_TRUE(store_->List("secrets/")->empty());

  // The name is free again, under a new ARN; the old ARN names nothing.
  std::string new_arn = Create("s", "fresh")["ARN"];
  EXPECT_NE(new_arn, arn);
  EXPECT_EQ(Err("GetSecretValue", {{"SecretId", arn}}).code, "ResourceNotFoundException");
  EXPECT_EQ(Value(arn.substr(0, arn.size() - 7)), "fresh");
}

TEST_F(SecretsServiceTest, ForceDeleteRemovesAtOnceEvenWhenScheduled) {
  Create("a", "x");
  Put("a", "y");
  Json forced = Ok("DeleteSecret", {{"SecretId", "a"}, {"ForceDeleteWithoutRecovery", true}});
  EXPECT_DOUBLE_EQ(forced["DeletionDate"].get<double>(), kStart / 1000.0);
  EXPECT_EQ(Err("DescribeSecret", {{"SecretId", "a"}}).code, "ResourceNotFoundException");
  EXPECT_TRUE(store_->List("secret-values/")->empty());

  Create("b", "x");
  Ok("DeleteSecret", {{"SecretId", "b"}});
  Ok("DeleteSecret", {{"SecretId", "b"}, {"ForceDeleteWithoutRecovery", true}});
  EXPECT_EQ(Err("DescribeSecret", {{"SecretId", "b"}}).code, "ResourceNotFoundException");
  // Forced deletion is idempotent, as on AWS: a second one succeeds and changes nothing.
  Json again = Ok("DeleteSecret", {{"SecretId", "b"}, {"ForceDeleteWithoutRecovery", true}});
  EXPECT_EQ(again["Name"], "b");
  EXPECT_TRUE(again.contains("ARN"));
  EXPECT_TRUE(again.contains("DeletionDate"));
  EXPECT_EQ(Err("DescribeSecret", {{"SecretId", "b"}}).code, "ResourceNotFoundException");
  // Without ForceDeleteWithoutRecovery a missing secret is still an error.
  EXPECT_EQ(Err("DeleteSecret", {{"SecretId", "b"}}).code, "ResourceNotFoundException");
}

TEST_F(SecretsServiceTest, ListSecretVersionIds) {
  std::string v1 = Create("s", "1")["VersionId"];
  std::string v2 = Put("s", "2")["VersionId"];
  std::string v3 = Put("s", "3")["VersionId"];
  Json listed = Ok("ListSecretVersionIds", {{"SecretId", "s"}});
  EXPECT_EQ(Keys(listed), (std::set<std::string>{"ARN", "Name", "Versions"}));
  ASSERT_EQ(listed["Versions"].size(), 2u);
  EXPECT_EQ(listed["Versions"][0]["VersionId"], v2);
  EXPECT_EQ(listed["Versions"][0]["VersionStages"], Json::array({"AWSPREVIOUS"}));
  EXPECT_EQ(listed["Versions"][0]["KmsKeyIds"], Json::array({"DefaultEncryptionKey"}));
  EXPECT_EQ(Keys(listed["Versions"][0]),
            (std::set<std::string>{"CreatedDate", "KmsKeyIds", "VersionId", "VersionStages"}));

  Json all = Ok("ListSecretVersionIds", {{"SecretId", "s"}, {"IncludeDeprecated", true}});
  ASSERT_EQ(all["Versions"].size(), 3u);
  EXPECT_EQ(all["Versions"][0]["VersionId"], v1);
  EXPECT_FALSE(all["Versions"][0].contains("VersionStages"));

  std::vector<std::string> paged;
  Json input = {{"SecretId", "s"}, {"IncludeDeprecated", true}, {"MaxResults", 1}};
  for (int i = 0; i < 10; ++i) {
    Json page = Ok("ListSecretVersionIds", input);
    for (const Json& v : page["Versions"]) paged.push_back(v["VersionId"]);
    if (!page.contains("NextToken")) break;
    input["NextToken"] = page["NextToken"];
  }
  EXPECT_EQ(paged, (std::vector<std::string>{v1, v2, v3}));
  input["NextToken"] = "bm90IGEgdG9rZW4=";
  EXPECT_EQ(Err("ListSecretVersionIds", input).code, "InvalidNextTokenException");

  Value("s");
  Json after_read = Ok("ListSecretVersionIds", {{"SecretId", "s"}});
  EXPECT_FALSE(after_read["Versions"][0].contains("LastAccessedDate"));
  EXPECT_TRUE(after_read["Versions"][1].contains("LastAccessedDate"));
}

TEST_F(SecretsServiceTest, LastAccessedDateIsADateWrittenOncePerDay) {
  Create("s", "x");
  EXPECT_FALSE(Ok("DescribeSecret", {{"SecretId", "s"}}).contains("LastAccessedDate"));
  Value("s");
  const int64_t midnight = kStart / kDay * kDay;
  EXPECT_DOUBLE_EQ(Ok("DescribeSecret", {{"SecretId", "s"}})["LastAccessedDate"].get<double>(),
                   midnight / 1000.0);
  int64_t version_after_first_read = (*store_->Get("secrets/us-west-2/s"))->version;
  clock_.Advance(3600 * 1000);
  Value("s");
  Value("s");
  EXPECT_EQ((*store_->Get("secrets/us-west-2/s"))->version, version_after_first_read)
      << "reads on the same day must not write";
  clock_.Advance(kDay);
  Value("s");
  EXPECT_DOUBLE_EQ(Ok("DescribeSecret", {{"SecretId", "s"}})["LastAccessedDate"].get<double>(),
                   (midnight + kDay) / 1000.0);
}

TEST_F(SecretsServiceTest, ListSecretsOrderPagesAndFilters) {
  std::vector<std::string> names = {"app/db", "app/api", "/ops/key", "zeta", "alpha"};
  for (const std::string& name : names) {
    Ok("CreateSecret", {{"Name", name},
                        {"SecretString", "v"},
                        {"Description", "for " + name},
                        {"ClientRequestToken", Token()}});
    clock_.Advance(1000);
  }
  auto list_all = [&](Json input) {
    std::vector<std::string> got;
    for (int i = 0; i < 10; ++i) {
      Json page = Ok("ListSecrets", input);
      for (const Json& s : page["SecretList"]) got.push_back(s["Name"]);
      if (!page.contains("NextToken")) break;
      input["NextToken"] = page["NextToken"];
    }
    return got;
  };
  EXPECT_EQ(list_all({{"MaxResults", 2}}), names);
  std::vector<std::string> reversed(names.rbegin(), names.rend());
  EXPECT_EQ(list_all({{"MaxResults", 2}, {"SortOrder", "desc"}}), reversed);
  EXPECT_EQ(list_all({{"Filters", {{{"Key", "name"}, {"Values", {"app/"}}}}}}),
            (std::vector<std::string>{"app/db", "app/api"}));
  EXPECT_EQ(list_all({{"Filters", {{{"Key", "name"}, {"Values", {"!app/", "!/"}}}}}}),
            (std::vector<std::string>{"zeta", "alpha"}));

  Json entry = Ok("ListSecrets", {{"MaxResults", 1}})["SecretList"][0];
  EXPECT_EQ(Keys(entry),
            (std::set<std::string>{"ARN", "CreatedDate", "Description", "LastChangedDate", "Name",
                                   "SecretVersionsToStages"}));
  EXPECT_EQ(Err("ListSecrets", {{"NextToken", "bogus"}}).code, "InvalidNextTokenException");
  EXPECT_EQ(Err("ListSecrets", {{"Filters", {{{"Key", "colour"}, {"Values", {"x"}}}}}}).code,
            "InvalidParameterException");
}

TEST_F(SecretsServiceTest, SecretsLiveInTheirRegion) {
  Create("s", "x");
  api::ApiResult<Json> elsewhere =
      service_.Invoke("eu-west-1", "GetSecretValue", {{"SecretId", "s"}});
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, "ResourceNotFoundException");
}

TEST_F(SecretsServiceTest, BatchGetSecretValue) {
  Create("one", "1");
  Create("two", "2");
  Create("gone", "x");
  Ok("DeleteSecret", {{"SecretId", "gone"}});
  Json batch = Ok("BatchGetSecretValue", {{"SecretIdList", {"one", "missing", "gone", "two"}}});
  ASSERT_EQ(batch["SecretValues"].size(), 2u);
  EXPECT_EQ(batch["SecretValues"][0]["SecretString"], "1");
  EXPECT_EQ(batch["SecretValues"][1]["SecretString"], "2");
  ASSERT_EQ(batch["Errors"].size(), 2u);
  EXPECT_EQ(batch["Errors"][0],
            (Json{{"SecretId", "missing"},
                  {"ErrorCode", "ResourceNotFoundException"},
                  {"Message", "Secrets Manager can't find the specified secret."}}));
  EXPECT_EQ(batch["Errors"][1]["ErrorCode"], "InvalidRequestException");

  EXPECT_EQ(Err("BatchGetSecretValue",
                {{"SecretIdList", {"one"}}, {"Filters", {{{"Key", "name"}, {"Values", {"o"}}}}}})
                .code,
            "InvalidParameterException");
  EXPECT_EQ(Err("BatchGetSecretValue", {{"SecretIdList", {"one"}}, {"MaxResults", 1}}).code,
            "InvalidParameterException");

  Json input = {{"Filters", {{{"Key", "name"}, {"Values", {"one", "two", "gone"}}}}},
                {"MaxResults", 1}};
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    Json page = Ok("BatchGetSecretValue", input);
    for (const Json& v : page["SecretValues"]) got.push_back(v["Name"]);
    if (!page.contains("NextToken")) break;
    input["NextToken"] = page["NextToken"];
  }
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
}

TEST_F(SecretsServiceTest, Tags) {
  std::string arn = Ok("CreateSecret", {{"Name", "t"}})["ARN"];
  EXPECT_FALSE(Ok("DescribeSecret", {{"SecretId", arn}}).contains("Tags"));
  EXPECT_EQ(
      Ok("TagResource", {{"SecretId", arn}, {"Tags", {{{"Key", "tag1"}, {"Value", "value1"}}}}}),
      Json::object());
  Ok("TagResource", {{"SecretId", arn}, {"Tags", {{{"Key", "tag2"}, {"Value", "value2"}}}}});
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", arn}})["Tags"],
            (Json{{{"Key", "tag1"}, {"Value", "value1"}}, {{"Key", "tag2"}, {"Value", "value2"}}}));
  Ok("UntagResource", {{"SecretId", arn}, {"TagKeys", {"tag1", "tag2"}}});
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", arn}})["Tags"], Json::array());

  EXPECT_EQ(
      Err("TagResource", {{"SecretId", arn}, {"Tags", {{{"Key", "aws:x"}, {"Value", "v"}}}}}).code,
      "InvalidParameterException");
  Json many = Json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  EXPECT_EQ(Err("TagResource", {{"SecretId", arn}, {"Tags", many}}).code,
            "InvalidParameterException");
  many.erase(50);
  Ok("TagResource", {{"SecretId", arn}, {"Tags", many}});

  Ok("CreateSecret", {{"Name", "t2"}, {"Tags", {{{"Key", "a"}, {"Value", "b"}}}}});
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", "t2"}})["Tags"],
            (Json{{{"Key", "a"}, {"Value", "b"}}}));
}

TEST_F(SecretsServiceTest, ResourcePolicy) {
  Create("p", "x");
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
      R"("Action":"secretsmanager:GetSecretValue","Resource":"*"}]})";
  Json put = Ok("PutResourcePolicy", {{"SecretId", "p"}, {"ResourcePolicy", policy}});
  EXPECT_EQ(Keys(put), (std::set<std::string>{"ARN", "Name"}));
  EXPECT_EQ(Ok("GetResourcePolicy", {{"SecretId", "p"}})["ResourcePolicy"], policy);
  EXPECT_EQ(Err("PutResourcePolicy",
                {{"SecretId", "p"}, {"ResourcePolicy", policy}, {"BlockPublicPolicy", true}})
                .code,
            "PublicPolicyException");
  EXPECT_EQ(
      Err("PutResourcePolicy", {{"SecretId", "p"}, {"ResourcePolicy", "{\"Statement\":1}"}}).code,
      "MalformedPolicyDocumentException");
  Json validated = Ok("ValidateResourcePolicy", {{"ResourcePolicy", policy}});
  EXPECT_EQ(validated["PolicyValidationPassed"], false);
  EXPECT_EQ(validated["ValidationErrors"].size(), 1u);
  Ok("DeleteResourcePolicy", {{"SecretId", "p"}});
  EXPECT_FALSE(Ok("GetResourcePolicy", {{"SecretId", "p"}}).contains("ResourcePolicy"));
}

TEST_F(SecretsServiceTest, RotationIsConfiguredButNotRun) {
  std::string v1 = Create("r", "init")["VersionId"];
  api::ApiError e = Err("RotateSecret", {{"SecretId", "r"},
                                         {"ClientRequestToken", Token()},
                                         {"RotationRules", {{"AutomaticallyAfterDays", 1}}}});
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_EQ(e.message, "No Lambda rotation function ARN is associated with this secret.");

  Json rotate = {{"SecretId", "r"},
                 {"ClientRequestToken", Token()},
                 {"RotationLambdaARN", "arn:aws:lambda:us-west-2:111111111111:function:rot"},
                 {"RotationRules", {{"AutomaticallyAfterDays", 1}}}};
  e = Err("RotateSecret", rotate);
  EXPECT_EQ(e.code, "InvalidRequestException");
  EXPECT_NE(e.message.find("RotateImmediately"), std::string::npos);
  Json described = Ok("DescribeSecret", {{"SecretId", "r"}});
  EXPECT_FALSE(described.contains("RotationEnabled"));
  EXPECT_FALSE(described.contains("RotationLambdaARN"));

  rotate["RotateImmediately"] = false;
  Json configured = Ok("RotateSecret", rotate);
  EXPECT_EQ(Keys(configured), (std::set<std::string>{"ARN", "Name"}));
  described = Ok("DescribeSecret", {{"SecretId", "r"}});
  EXPECT_EQ(described["RotationEnabled"], true);
  EXPECT_EQ(described["RotationLambdaARN"], rotate["RotationLambdaARN"]);
  EXPECT_EQ(described["RotationRules"], (Json{{"AutomaticallyAfterDays", 1}}));
  EXPECT_DOUBLE_EQ(described["NextRotationDate"].get<double>(), (kStart + kDay) / 1000.0);
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}}));

  Json cancelled = Ok("CancelRotateSecret", {{"SecretId", "r"}});
  EXPECT_EQ(Keys(cancelled), (std::set<std::string>{"ARN", "Name"}));
  described = Ok("DescribeSecret", {{"SecretId", "r"}});
  EXPECT_EQ(described["RotationEnabled"], false);
  EXPECT_FALSE(described.contains("NextRotationDate"));

  EXPECT_EQ(Err("RotateSecret", {{"SecretId", "r"},
                                 {"ClientRequestToken", Token()},
                                 {"RotationRules", {{"AutomaticallyAfterDays", 0}}}})
                .code,
            "InvalidParameterException");
  Create("plain", "x");
  EXPECT_EQ(Err("CancelRotateSecret", {{"SecretId", "plain"}}).code, "InvalidRequestException");
}

TEST_F(SecretsServiceTest, PendingPlaceholderVersion) {
  std::string v1 = Create("r", "old")["VersionId"];
  std::string token = Token();
  api::ApiResult<Json> added = service_.AddPendingVersion(kRegion, "r", token);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ((*added)["VersionId"], token);
  EXPECT_TRUE(service_.AddPendingVersion(kRegion, "r", token).ok()) << "idempotent";
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}, {token, {"AWSPENDING"}}}));

  api::ApiError e = Err("GetSecretValue", {{"SecretId", "r"}, {"VersionStage", "AWSPENDING"}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
  e = Err("GetSecretValue",
          {{"SecretId", "r"}, {"VersionId", token}, {"VersionStage", "AWSPENDING"}});
  EXPECT_EQ(e.message,
            "Secrets Manager can't find the specified secret value for VersionId: " + token);
  // A rotation in progress blocks another.
  e = Err("RotateSecret", {{"SecretId", "r"},
                           {"ClientRequestToken", Token()},
                           {"RotationLambdaARN", "arn:aws:lambda:us-west-2:1:function:f"}});
  EXPECT_EQ(e.code, "InvalidRequestException");

  Json filled = Ok("PutSecretValue", {{"SecretId", "r"},
                                      {"ClientRequestToken", token},
                                      {"SecretString", "new"},
                                      {"VersionStages", {"AWSPENDING"}}});
  EXPECT_EQ(filled["VersionStages"], Json::array({"AWSPENDING"}));
  EXPECT_EQ(Value("r", {{"VersionStage", "AWSPENDING"}}), "new");
  Ok("UpdateSecretVersionStage", {{"SecretId", "r"},
                                  {"VersionStage", "AWSCURRENT"},
                                  {"RemoveFromVersionId", v1},
                                  {"MoveToVersionId", token}});
  EXPECT_EQ(Value("r"), "new");
  EXPECT_EQ(Value("r", {{"VersionStage", "AWSPREVIOUS"}}), "old");
  EXPECT_FALSE(service_.AddPendingVersion(kRegion, "r", token).ok())
      << "a version with a value is no placeholder";
}

TEST_F(SecretsServiceTest, RotateImmediatelyFalseTestsTheConfigurationOnACopy) {
  std::vector<RotationRequest> started;
  service_.SetRotationStarter([&](const RotationRequest& r) { started.push_back(r); },
                              [](const std::string&, const std::string&) { return true; });
  std::string v1 = Create("r", "current")["VersionId"];
  const std::string function = "arn:aws:lambda:us-west-2:1:function:f";
  std::string test = Token();
  Ok("RotateSecret", {{"SecretId", "r"},
                      {"ClientRequestToken", test},
                      {"RotationLambdaARN", function},
                      {"RotateImmediately", false}});
  ASSERT_EQ(started.size(), 1u);
  EXPECT_TRUE(started[0].test_only);
  EXPECT_EQ(started[0].token, test);
  // AWS: "The test creates an AWSPENDING version of the secret": a copy of
  // the current value, which the function's testSecret reads.
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}, {test, {"AWSPENDING"}}}));
  EXPECT_EQ(Value("r", {{"VersionStage", "AWSPENDING"}}), "current");

  // While the test runs, a rotation is refused as for any rotation in
  // progress, and what is reattempted is the test, not a rotation of its copy.
  api::ApiError e = Err("RotateSecret", {{"SecretId", "r"}, {"ClientRequestToken", Token()}});
  EXPECT_EQ(e.code, "InvalidRequestException");
  ASSERT_EQ(started.size(), 2u);
  EXPECT_TRUE(started[1].test_only);
  EXPECT_EQ(started[1].token, test);
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}, {test, {"AWSPENDING"}}}));

  // "... and then removes it": the copy goes, value record included.
  ASSERT_TRUE(service_.EndRotationTest(kRegion, "r", test).ok());
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}}));
  EXPECT_EQ(Err("GetSecretValue", {{"SecretId", "r"}, {"VersionId", test}}).code,
            "ResourceNotFoundException");
  StatusOr<std::vector<StoreEntry>> values = store_->List("secret-values/");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->size(), 1u);
  EXPECT_TRUE(service_.EndRotationTest(kRegion, "r", test).ok()) << "ending twice is harmless";

  std::string token = Token();
  Ok("RotateSecret", {{"SecretId", "r"}, {"ClientRequestToken", token}});
  ASSERT_EQ(started.size(), 3u);
  EXPECT_FALSE(started[2].test_only);
  EXPECT_EQ(started[2].token, token);
  // A test that ends after a rotation took AWSPENDING leaves the rotation alone.
  ASSERT_TRUE(service_.EndRotationTest(kRegion, "r", test).ok());
  EXPECT_EQ(Stages("r"), (Json{{v1, {"AWSCURRENT"}}, {token, {"AWSPENDING"}}}));
}

TEST_F(SecretsServiceTest, RdsSchedulesWithoutAConfigurationTestOnlyInternally) {
  std::vector<RotationRequest> started;
  service_.SetRotationStarter([&](const RotationRequest& r) { started.push_back(r); },
                              [](const std::string&, const std::string&) { return true; });
  std::string v1 = Create("managed", "current")["VersionId"];
  Ok("RotateSecret", {{"SecretId", "managed"},
                      {"ClientRequestToken", Token()},
                      {"RotationLambdaARN", "arn:aws:lambda:us-west-2:1:function:f"},
                      {"RotationRules", {{"AutomaticallyAfterDays", 7}}},
                      {"RotateImmediately", false},
                      {"SkipRotationTest", true}});
  EXPECT_TRUE(started.empty());
  EXPECT_EQ(Stages("managed"), (Json{{v1, {"AWSCURRENT"}}}));
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", "managed"}})["RotationEnabled"], true);
}

TEST_F(SecretsServiceTest, ReplicationNeedsAnotherRegion) {
  Create("s", "x");
  for (const char* op :
       {"ReplicateSecretToRegions", "RemoveRegionsFromReplication", "StopReplicationToReplica"}) {
    api::ApiError e = Err(op, {{"SecretId", "s"},
                               {"AddReplicaRegions", {{{"Region", "eu-west-1"}}}},
                               {"RemoveReplicaRegions", {"eu-west-1"}}});
    EXPECT_EQ(e.code, "InvalidRequestException") << op;
    EXPECT_NE(e.message.find("single region"), std::string::npos) << op;
    EXPECT_EQ(Err(op, {{"SecretId", "nope"}}).code, "ResourceNotFoundException") << op;
  }
  EXPECT_EQ(
      Err("CreateSecret", {{"Name", "r"}, {"AddReplicaRegions", {{{"Region", "eu-west-1"}}}}}).code,
      "InvalidRequestException");
}

TEST_F(SecretsServiceTest, GetRandomPassword) {
  EXPECT_EQ(Ok("GetRandomPassword", Json::object())["RandomPassword"].get<std::string>().size(),
            32u);
  std::string p = Ok("GetRandomPassword", {{"PasswordLength", 12},
                                           {"ExcludePunctuation", true},
                                           {"ExcludeCharacters", "abc"}})["RandomPassword"];
  EXPECT_EQ(p.size(), 12u);
  EXPECT_EQ(p.find_first_of("abc!#%"), std::string::npos);
}

TEST_F(SecretsServiceTest, ValuesAreStoredOnlySealedAndBoundToTheirRecord) {
  const std::string marker = "distinctive-marker-8f3a1c";
  Create("a", marker);
  Put("a", marker + "-2");
  std::string b_version = Create("b", "other")["VersionId"];
  StatusOr<std::vector<StoreEntry>> everything = store_->List("");
  ASSERT_TRUE(everything.ok());
  for (const StoreEntry& e : *everything) {
    EXPECT_EQ(e.value.find(marker), std::string::npos) << e.key;
    EXPECT_EQ(e.key.find(marker), std::string::npos) << e.key;
  }

  // An envelope copied into another secret's value record does not open.
  std::string b_key, a_envelope;
  StatusOr<std::vector<StoreEntry>> values = store_->List("secret-values/");
  ASSERT_TRUE(values.ok());
  for (const StoreEntry& e : *values) {
    if (e.key.size() > b_version.size() &&
        e.key.compare(e.key.size() - b_version.size(), b_version.size(), b_version) == 0) {
      b_key = e.key;
    } else {
      a_envelope = e.value;
    }
  }
  ASSERT_FALSE(b_key.empty());
  ASSERT_FALSE(a_envelope.empty());
  ASSERT_TRUE(store_->Commit({StoreWrite::Put(b_key, a_envelope)}).ok());
  EXPECT_EQ(Err("GetSecretValue", {{"SecretId", "b"}}).code, "DecryptionFailure");
}

TEST_F(SecretsServiceTest, OldestDeprecatedVersionsArePrunedPastOneHundred) {
  std::string first = Create("many", "0")["VersionId"];
  for (int i = 1; i <= 104; ++i) Put("many", std::to_string(i));
  Json all = Ok("ListSecretVersionIds",
                {{"SecretId", "many"}, {"IncludeDeprecated", true}, {"MaxResults", 100}});
  EXPECT_EQ(all["Versions"].size(), 100u);
  EXPECT_FALSE(all.contains("NextToken"));
  EXPECT_NE(all["Versions"][0]["VersionId"], first);
  EXPECT_EQ(store_->List("secret-values/")->size(), 100u);
  EXPECT_EQ(Value("many"), "104");
  EXPECT_EQ(Value("many", {{"VersionStage", "AWSPREVIOUS"}}), "103");
}

TEST_F(SecretsServiceTest, ConcurrentWritersAllLand) {
  Create("busy", "0");
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        api::ApiResult<Json> r = service_.Invoke(kRegion, "PutSecretValue",
                                                 {{"SecretId", "busy"},
                                                  {"SecretString", std::to_string(t * 100 + i)},
                                                  {"ClientRequestToken", crypto::RandomUuid()}});
        if (!r.ok()) ++failures;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  Json all = Ok("ListSecretVersionIds", {{"SecretId", "busy"}, {"IncludeDeprecated", true}});
  EXPECT_EQ(all["Versions"].size(), 61u);
  int current = 0, previous = 0;
  for (const Json& v : all["Versions"]) {
    for (const Json& label : v.value("VersionStages", Json::array())) {
      current += label == "AWSCURRENT";
      previous += label == "AWSPREVIOUS";
    }
  }
  EXPECT_EQ(current, 1);
  EXPECT_EQ(previous, 1);
}

TEST_F(SecretsServiceTest, InternalCallersMaySetOwningService) {
  Ok("CreateSecret", {{"Name", "rds-db-1"}, {"OwningService", "rds"}});
  EXPECT_EQ(Ok("DescribeSecret", {{"SecretId", "rds-db-1"}})["OwningService"], "rds");
  EXPECT_EQ(Ok("ListSecrets",
               {{"Filters", {{{"Key", "owning-service"}, {"Values", {"rd"}}}}}})["SecretList"]
                .size(),
            1u);
}

// RDS tags the master password secrets it manages with
// aws:rds:primaryDBInstanceArn, a key API callers may not use.
TEST_F(SecretsServiceTest, InternalCallersMayUseReservedTagKeys) {
  Ok("CreateSecret", {{"Name", "rds!db-1"},
                      {"OwningService", "rds"},
                      {"Tags", {{{"Key", "aws:rds:primaryDBInstanceArn"}, {"Value", "arn"}}}}});
  // Names with '!' are the owning services'; anyone may look them up.
  Json tags = Ok("DescribeSecret", {{"SecretId", "rds!db-1"}})["Tags"];
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0]["Key"], "aws:rds:primaryDBInstanceArn");
}

TEST_F(SecretsServiceTest, BadInputIsAnErrorNotACrash) {
  EXPECT_EQ(Err("NoSuchOperation", Json::object()).code, "UnknownOperationException");
  EXPECT_EQ(Err("GetSecretValue", {{"SecretId", 5}}).code, "SerializationException");
  EXPECT_EQ(Err("CreateSecret", {{"Name", "n"}, {"Tags", "notalist"}}).code,
            "SerializationException");
}

}  // namespace
}  // namespace tandem::secrets
