// The stored form of a secret, page tokens and rotation rules: the small
// pieces the service builds on.
#include "secrets/secret.h"

#include <gtest/gtest.h>

#include "secrets/page_token.h"
#include "secrets/rotation_rules.h"

namespace tandem::secrets {
namespace {

TEST(Secret, EncodeDecodeKeepsEverything) {
  Secret s;
  s.name = "db/pw";
  s.arn = "arn:aws:secretsmanager:us-west-2:000000000000:secret:db/pw-AbC123";
  s.uid = "uid-1";
  s.description = "d";
  s.kms_key_id = "k";
  s.owning_service = "rds";
  s.policy = "{}";
  s.tags = std::vector<Tag>{{"a", "1"}, {"b", ""}};
  s.rotation =
      RotationSettings{true, "arn:lambda", {{"AutomaticallyAfterDays", 7}}, 5, 6, "test-version"};
  s.created_ms = 1;
  s.last_changed_ms = 2;
  s.last_accessed_ms = 3;
  s.deleted_ms = 4;
  s.deletion_date_ms = 7;
  s.versions = {{"v1", {"AWSPREVIOUS"}, 10, 11, true, ""},
                {"v2", {"AWSCURRENT", "X"}, 12, 0, true, "k"},
                {"v3", {}, 13, 0, false, ""}};
  StatusOr<Secret> back = DecodeSecret(EncodeSecret(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodeSecret(*back), EncodeSecret(s));
  EXPECT_EQ(back->versions[1].labels, (std::set<std::string>{"AWSCURRENT", "X"}));
  EXPECT_FALSE(back->versions[2].has_value);
  EXPECT_EQ(back->rotation->rules["AutomaticallyAfterDays"], 7);
  EXPECT_EQ(back->rotation->test_version_id, "test-version");
}

TEST(Secret, UnsetOptionalFieldsStayUnset) {
  Secret s;
  s.name = "n";
  s.arn = "a";
  s.uid = "u";
  StatusOr<Secret> back = DecodeSecret(EncodeSecret(s));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->tags.has_value());
  EXPECT_FALSE(back->rotation.has_value());
  EXPECT_FALSE(back->scheduled_for_deletion());
}

TEST(Secret, GarbageIsCorruption) {
  for (const char* doc : {"", "{", "[]", R"({"name":"x"})"}) {
    StatusOr<Secret> s = DecodeSecret(doc);
    ASSERT_FALSE(s.ok()) << doc;
    EXPECT_EQ(s.status().code(), Status::Code::kCorruption);
  }
}

TEST(Secret, FindVersionAndLabel) {
  Secret s;
  s.versions = {{"v1", {"AWSPREVIOUS"}, 1, 0, true, ""}, {"v2", {"AWSCURRENT"}, 2, 0, true, ""}};
  EXPECT_EQ(s.FindVersion("v2"), &s.versions[1]);
  EXPECT_EQ(s.FindVersion("v9"), nullptr);
  EXPECT_EQ(s.VersionWithLabel(kCurrentLabel), &s.versions[1]);
  EXPECT_EQ(s.VersionWithLabel(kPendingLabel), nullptr);
}

TEST(PageToken, RoundTripsAndRefusesOthers) {
  std::string token = EncodePageToken("secrets", "123/db/pw");
  EXPECT_EQ(DecodePageToken("secrets", token), "123/db/pw");
  EXPECT_EQ(DecodePageToken("versions", token), std::nullopt);
  EXPECT_EQ(DecodePageToken("secrets", "garbage!"), std::nullopt);
  EXPECT_EQ(DecodePageToken("secrets", "aGVsbG8="), std::nullopt);
}

TEST(RotationRules, Checks) {
  using Json = nlohmann::json;
  struct Case {
    Json rules;
    bool ok;
  };
  const Case cases[] = {
      {Json::object(), true},
      {{{"AutomaticallyAfterDays", 30}}, true},
      {{{"AutomaticallyAfterDays", 0}}, false},
      {{{"AutomaticallyAfterDays", 1001}}, false},
      {{{"ScheduleExpression", "rate(10 days)"}}, true},
      {{{"ScheduleExpression", "rate(4 hours)"}}, true},
      {{{"ScheduleExpression", "rate(3 hours)"}}, false},
      {{{"ScheduleExpression", "rate(1001 days)"}}, false},
      {{{"ScheduleExpression", "cron(0 16 1,15 * ? *)"}}, true},
      {{{"ScheduleExpression", "cron(0 16 *)"}}, false},
      {{{"ScheduleExpression", "sometimes"}}, false},
      {{{"AutomaticallyAfterDays", 3}, {"ScheduleExpression", "rate(3 days)"}}, false},
      {{{"AutomaticallyAfterDays", 1}, {"Duration", "3h"}}, true},
      {{{"AutomaticallyAfterDays", 1}, {"Duration", "24h"}}, false},
      {{{"ScheduleExpression", "rate(1 days)"}, {"Duration", "25h"}}, false},
      {{{"AutomaticallyAfterDays", 2}, {"Duration", "0h"}}, false},
      {{{"AutomaticallyAfterDays", 2}, {"Duration", "hh"}}, false},
      {{{"AutomaticallyAfterDays", 2}, {"Duration", "99999999999h"}}, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(!CheckRotationRules(c.rules).has_value(), c.ok) << c.rules.dump();
  }
}

TEST(RotationRules, NextRotation) {
  using Json = nlohmann::json;
  EXPECT_EQ(NextRotationMillis({{"AutomaticallyAfterDays", 2}}, 1000), 1000 + 2 * kMillisPerDay);
  EXPECT_EQ(NextRotationMillis({{"ScheduleExpression", "rate(6 hours)"}}, 0), kMillisPerDay / 4);
  // 16:00 UTC on the 1st and 15th: the first is 1970-01-01 16:00.
  EXPECT_EQ(NextRotationMillis({{"ScheduleExpression", "cron(0 16 1,15 * ? *)"}}, 0),
            16 * 3600 * 1000);
  EXPECT_EQ(NextRotationMillis(Json::object(), 0), 0);
  EXPECT_TRUE(HasRotationSchedule({{"ScheduleExpression", "cron(0 16 1,15 * ? *)"}}));
  EXPECT_FALSE(HasRotationSchedule({{"Duration", "2h"}}));
}

}  // namespace
}  // namespace tandem::secrets
