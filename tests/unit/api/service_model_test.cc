// ServiceModel against botocore's real secretsmanager model (embedded at build
// time) and small hand-written models for shape kinds secretsmanager's inputs
// do not use.
#include "api/service_model.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "api/embedded_models.h"
#include "crypto/digest.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;

class SecretsModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto parsed = LoadEmbeddedModel("secretsmanager");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    model_ = new std::shared_ptr<const ServiceModel>(*parsed);
  }
  static void TearDownTestSuite() { delete model_; }

  // The message of the error for input, or "" when valid.
  static std::string Check(const std::string& operation, const Json& input,
                           const std::string& expected_code = "ValidationException") {
    std::optional<ApiError> e = (*model_)->ValidateInput(operation, input);
    if (!e) return "";
    EXPECT_EQ(e->code, expected_code);
    EXPECT_EQ(e->http_status, 400);
    return e->message;
  }

  static std::shared_ptr<const ServiceModel>* model_;
};
std::shared_ptr<const ServiceModel>* SecretsModelTest::model_ = nullptr;

TEST_F(SecretsModelTest, OperationsIncludeTheOverlay) {
  const ServiceModel& m = **model_;
  EXPECT_TRUE(m.HasOperation("GetSecretValue"));
  EXPECT_TRUE(m.HasOperation("BatchGetSecretValue"));
  EXPECT_FALSE(m.HasOperation("GetParameter"));
  std::vector<std::string> names = m.OperationNames();
  EXPECT_EQ(names.size(), 23u);
  EXPECT_NE(std::find(names.begin(), names.end(), "RotateSecret"), names.end());
}

TEST_F(SecretsModelTest, ValidInputs) {
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", "prod/db"}}), "");
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", "prod/db"}, {"VersionStage", "AWSCURRENT"}}), "");
  EXPECT_EQ(Check("ListSecrets", Json::object()), "");
  EXPECT_EQ(Check("ListSecrets", {{"MaxResults", 100},
                                  {"Filters", {{{"Key", "name"}, {"Values", {"prod"}}}}},
                                  {"SortOrder", "asc"},
                                  {"IncludePlannedDeletion", true}}),
            "");
  EXPECT_EQ(Check("CreateSecret", {{"Name", "n"},
                                   {"SecretBinary", "AAECAw=="},
                                   {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}}),
            "");
  EXPECT_EQ(Check("GetRandomPassword", {{"PasswordLength", 32}, {"ExcludeNumbers", false}}), "");
  // Members the model does not know are ignored, as AWS does; null is absent.
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", "x"}, {"Foo", {1, 2}}, {"VersionId", nullptr}}),
            "");
}

TEST_F(SecretsModelTest, RequiredMember) {
  EXPECT_EQ(Check("GetSecretValue", Json::object()),
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", nullptr}}),
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: "
            "Member must not be null");
}

TEST_F(SecretsModelTest, StringLength) {
  std::string long_id(2049, 'a');
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", long_id}}),
            "1 validation error detected: Value '" + long_id +
                "' at 'secretId' failed to satisfy constraint: Member must have length less than "
                "or equal to 2048");
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", std::string(2048, 'a')}}), "");
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", ""}}),
            "1 validation error detected: Value '' at 'secretId' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1");
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", "x"}, {"VersionId", "abc"}}),
            "1 validation error detected: Value 'abc' at 'versionId' failed to satisfy "
            "constraint: Member must have length greater than or equal to 32");
}

TEST_F(SecretsModelTest, StringLengthCountsUtf16Units) {
  std::string smiles;
  for (int i = 0; i < 1024; ++i) smiles += "\xF0\x9F\x98\x80";  // 2 UTF-16 units each
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", smiles}}), "");
  EXPECT_NE(Check("GetSecretValue", {{"SecretId", smiles + "a"}}), "");
  std::string accents;
  for (int i = 0; i < 2048; ++i) accents += "\xC3\xA9";  // 1 unit each
  EXPECT_EQ(Check("GetSecretValue", {{"SecretId", accents}}), "");
}

TEST_F(SecretsModelTest, WrongJsonTypesAreSerializationErrors) {
  struct Case {
    const char* operation;
    Json input;
  };
  for (const Case& c : {
           Case{"GetSecretValue", {{"SecretId", 5}}},
           Case{"GetSecretValue", {{"SecretId", {"a"}}}},
           Case{"ListSecrets", {{"MaxResults", "10"}}},
           Case{"ListSecrets", {{"MaxResults", 1.5}}},
           Case{"ListSecrets", {{"MaxResults", 4294967296LL}}},
           Case{"ListSecrets", {{"Filters", {{"Key", "name"}}}}},
           Case{"ListSecrets", {{"Filters", "name"}}},
           Case{"ListSecrets", {{"IncludePlannedDeletion", "true"}}},
           Case{"GetRandomPassword", {{"PasswordLength", true}}},
           Case{"PutSecretValue", {{"SecretId", "x"}, {"SecretBinary", "not base64!"}}},
           Case{"PutSecretValue", {{"SecretId", "x"}, {"SecretBinary", 12}}},
           Case{"CreateSecret", {{"Name", "x"}, {"Tags", {{"Key", "k"}}}}},
       }) {
    SCOPED_TRACE(c.input.dump());
    std::string message = Check(c.operation, c.input, "SerializationException");
    EXPECT_NE(message, "");
    EXPECT_NE(message.find("Expected"), std::string::npos);
  }
}

TEST_F(SecretsModelTest, NumberRanges) {
  EXPECT_EQ(Check("ListSecrets", {{"MaxResults", 0}}),
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
  EXPECT_EQ(Check("ListSecrets", {{"MaxResults", 101}}),
            "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 100");
  EXPECT_EQ(Check("GetRandomPassword", {{"PasswordLength", 4097}}),
            "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy "
            "constraint: Member must have value less than or equal to 4096");
  EXPECT_EQ(Check("GetRandomPassword", {{"PasswordLength", 1}}), "");
  EXPECT_EQ(Check("GetRandomPassword", {{"PasswordLength", -5}}),
            "1 validation error detected: Value '-5' at 'passwordLength' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");
}

TEST_F(SecretsModelTest, EnumsAndNestedPaths) {
  EXPECT_EQ(Check("ListSecrets", {{"Filters", {{{"Key", "bogus"}, {"Values", {"a"}}}}}}),
            "1 validation error detected: Value 'bogus' at 'filters.1.member.key' failed to "
            "satisfy constraint: Member must satisfy enum value set: [description, name, "
            "tag-key, tag-value, primary-region, owning-service, all]");
  EXPECT_EQ(Check("ListSecrets", {{"SortOrder", "up"}}),
            "1 validation error detected: Value 'up' at 'sortOrder' failed to satisfy constraint: "
            "Member must satisfy enum value set: [asc, desc]");
  EXPECT_EQ(
      Check("ListSecrets", {{"Filters",
                             {{{"Key", "name"}, {"Values", {"a"}}},
                              {{"Key", "name"}, {"Values", {"ok", std::string(513, 'v')}}}}}}),
      "1 validation error detected: Value '" + std::string(513, 'v') +
          "' at 'filters.2.member.values.2.member' failed to satisfy constraint: Member must "
          "have length less than or equal to 512");
}

TEST_F(SecretsModelTest, ListLengths) {
  EXPECT_EQ(Check("ListSecrets", {{"Filters", {{{"Key", "name"}, {"Values", Json::array()}}}}}),
            "1 validation error detected: Value '[]' at 'filters.1.member.values' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1");
  Json filters = Json::array();
  for (int i = 0; i < 11; ++i) filters.push_back({{"Key", "name"}, {"Values", {"x"}}});
  std::string message = Check("ListSecrets", {{"Filters", filters}});
  EXPECT_EQ(message.rfind("1 validation error detected: Value '[{Key=name, Values=[x]}, ", 0), 0u)
      << message;
  EXPECT_NE(message.find("' at 'filters' failed to satisfy constraint: Member must have length "
                         "less than or equal to 10"),
            std::string::npos);
}

TEST_F(SecretsModelTest, SensitiveValuesAreNeverEchoed) {
  std::string secret(65537, 's');
  std::string message = Check("PutSecretValue", {{"SecretId", "x"}, {"SecretString", secret}});
  EXPECT_EQ(message,
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: "
            "Member must have length less than or equal to 65536");
  EXPECT_EQ(Check("PutSecretValue", {{"SecretId", "x"}, {"SecretString", std::string(65536, 's')}}),
            "");
  // Blobs: length counts decoded bytes, and the value is not shown.
  std::string encoded = crypto::Base64Encode(std::string(65537, '\x01'));
  EXPECT_EQ(Check("PutSecretValue", {{"SecretId", "x"}, {"SecretBinary", encoded}}),
            "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: "
            "Member must have length less than or equal to 65536");
}

TEST_F(SecretsModelTest, SeveralErrorsAreCounted) {
  EXPECT_EQ(Check("ListSecrets", {{"MaxResults", 0}, {"SortOrder", "up"}}),
            "2 validation errors detected: Value '0' at 'maxResults' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1; Value 'up' at "
            "'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, "
            "desc]");
}

TEST_F(SecretsModelTest, BatchGetSecretValueFromTheOverlay) {
  EXPECT_EQ(Check("BatchGetSecretValue", {{"SecretIdList", {"a", "b"}}, {"MaxResults", 20}}), "");
  Json ids = Json::array();
  for (int i = 0; i < 21; ++i) ids.push_back("s" + std::to_string(i));
  std::string message = Check("BatchGetSecretValue", {{"SecretIdList", ids}});
  EXPECT_NE(message.find("at 'secretIdList' failed to satisfy constraint: Member must have length "
                         "less than or equal to 20"),
            std::string::npos);
  EXPECT_EQ(Check("BatchGetSecretValue", {{"SecretIdList", Json::array()}}),
            "1 validation error detected: Value '[]' at 'secretIdList' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(Check("BatchGetSecretValue", {{"MaxResults", 21}}),
            "1 validation error detected: Value '21' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 20");
  EXPECT_EQ(Check("BatchGetSecretValue", {{"SecretIdList", {""}}}),
            "1 validation error detected: Value '' at 'secretIdList.1.member' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1");
}

TEST_F(SecretsModelTest, UnknownOperation) {
  EXPECT_NE(Check("NoSuchOperation", Json::object(), "UnknownOperationException"), "");
}

// Shape kinds secretsmanager's inputs do not use.
constexpr const char* kSmallModel = R"({
  "operations": {
    "Put": {"name": "Put", "input": {"shape": "PutRequest"}},
    "NoInput": {"name": "NoInput"}
  },
  "shapes": {
    "PutRequest": {"type": "structure", "required": ["Labels"], "members": {
      "Labels": {"shape": "LabelMap"},
      "At": {"shape": "Stamp"},
      "Ratio": {"shape": "Ratio"},
      "Token": {"shape": "Token"},
      "Inner": {"shape": "Inner"}
    }},
    "LabelMap": {"type": "map", "key": {"shape": "LabelKey"}, "value": {"shape": "LabelValue"},
                 "min": 1, "max": 2},
    "LabelKey": {"type": "string", "min": 2},
    "LabelValue": {"type": "string", "max": 3},
    "Stamp": {"type": "timestamp"},
    "Ratio": {"type": "double", "min": 0, "max": 1.5},
    "Token": {"type": "string", "max": 4, "sensitive": true},
    "Inner": {"type": "structure", "sensitive": true, "members": {"Word": {"shape": "LabelValue"}}}
  }
})";

TEST(ServiceModel, MapsTimestampsDoublesAndSensitiveStructures) {
  auto parsed = ServiceModel::Parse(kSmallModel);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ServiceModel& m = **parsed;
  auto message = [&](const Json& input) {
    std::optional<ApiError> e = m.ValidateInput("Put", input);
    return e ? e->code + ": " + e->message : std::string();
  };
  EXPECT_EQ(message({{"Labels", {{"ab", "x"}}}, {"At", 1700000000.5}, {"Ratio", 1}}), "");
  EXPECT_EQ(message({{"Labels", Json::object()}}),
            "ValidationException: 1 validation error detected: Value '{}' at 'labels' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(message({{"Labels", {{"ab", "long"}}}}),
            "ValidationException: 1 validation error detected: Value 'long' at 'labels.ab' failed "
            "to satisfy constraint: Member must have length less than or equal to 3");
  EXPECT_EQ(message({{"Labels", {{"a", "x"}}}}),
            "ValidationException: 1 validation error detected: Value 'a' at 'labels.a' failed to "
            "satisfy constraint: Member must have length greater than or equal to 2");
  EXPECT_EQ(message({{"Labels", {{"ab", 1}}}}).rfind("SerializationException", 0), 0u);
  EXPECT_EQ(
      message({{"Labels", {{"ab", "x"}}}, {"At", "2023-11-14"}}).rfind("SerializationException", 0),
      0u);
  EXPECT_EQ(message({{"Labels", {{"ab", "x"}}}, {"Ratio", 1.75}}),
            "ValidationException: 1 validation error detected: Value '1.75' at 'ratio' failed to "
            "satisfy constraint: Member must have value less than or equal to 1.5");
  EXPECT_EQ(message({{"Labels", {{"ab", "x"}}}, {"Token", "hunter2"}}),
            "ValidationException: 1 validation error detected: Value at 'token' failed to satisfy "
            "constraint: Member must have length less than or equal to 4");
  EXPECT_EQ(message({{"Labels", {{"ab", "x"}}}, {"Inner", {{"Word", "secret"}}}}),
            "ValidationException: 1 validation error detected: Value at 'inner.word' failed to "
            "satisfy constraint: Member must have length less than or equal to 3");
  EXPECT_EQ(message(Json::array()).rfind("SerializationException", 0), 0u);
  EXPECT_EQ(m.ValidateInput("NoInput", Json::object()), std::nullopt);
}

TEST(ServiceModel, ParseRefusesBrokenModels) {
  EXPECT_FALSE(ServiceModel::Parse("not json").ok());
  EXPECT_FALSE(ServiceModel::Parse("[]").ok());
  EXPECT_FALSE(ServiceModel::Parse(R"({"operations": {}})").ok());
  auto dangling = ServiceModel::Parse(
      R"({"operations": {}, "shapes": {"A": {"type": "list", "member": {"shape": "B"}}}})");
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.status().message().find("'B'"), std::string::npos);
  EXPECT_FALSE(ServiceModel::Parse(R"({"operations": {"X": {"input": {"shape": "Nope"}}},
                                        "shapes": {}})")
                   .ok());
  EXPECT_FALSE(ServiceModel::Parse(kSmallModel, "[1]").ok());
  EXPECT_FALSE(ServiceModel::Parse(kSmallModel, R"({"shapes": 1})").ok());
  EXPECT_TRUE(ServiceModel::Parse(kSmallModel, " ").ok());
}

TEST(ServiceModel, OverlayAddsAndReplaces) {
  auto parsed = ServiceModel::Parse(kSmallModel, R"({
    "operations": {"Get": {"name": "Get", "input": {"shape": "GetRequest"}}},
    "shapes": {"GetRequest": {"type": "structure", "required": ["Id"],
                              "members": {"Id": {"shape": "LabelKey"}}},
               "LabelKey": {"type": "string", "min": 5}}
  })");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE((*parsed)->HasOperation("Get"));
  EXPECT_TRUE((*parsed)->HasOperation("Put"));
  EXPECT_NE((*parsed)->ValidateInput("Get", {{"Id", "abcd"}}), std::nullopt);
  EXPECT_EQ((*parsed)->ValidateInput("Get", {{"Id", "abcde"}}), std::nullopt);
}

TEST(EmbeddedModels, SecretsManagerIsEmbeddedWithItsOverlay) {
  const EmbeddedModel* embedded = FindEmbeddedModel("secretsmanager");
  ASSERT_NE(embedded, nullptr);
  EXPECT_EQ(embedded->model_json, embedded::kSecretsManagerModel);
  EXPECT_EQ(embedded->overlay_json, embedded::kSecretsManagerOverlay);
  EXPECT_NE(embedded->model_json.find("\"targetPrefix\":\"secretsmanager\""), std::string::npos);
  EXPECT_NE(embedded->overlay_json.find("BatchGetSecretValue"), std::string::npos);
  EXPECT_EQ(FindEmbeddedModel("no-such-service"), nullptr);
  auto missing = LoadEmbeddedModel("no-such-service");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(EmbeddedModels().empty());
}

}  // namespace
}  // namespace tandem::api
