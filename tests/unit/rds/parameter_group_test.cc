// The parameter catalog and value validation: every definition is coherent,
// the values users may set are checked as the table says, and a group's
// values become engine settings under the engine's option names.
#include "rds/parameter_group.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tandem::rds {
namespace {

Status Validate(const std::string& name, const std::string& value) {
  const ParameterDefinition* d = FindParameter(name);
  EXPECT_NE(d, nullptr) << name;
  return d == nullptr ? Status::NotFound(name) : ValidateParameterValue(*d, value);
}

TEST(ParameterCatalog, SortedAndCoherent) {
  const auto& catalog = ParameterCatalog();
  ASSERT_GE(catalog.size(), 20u);
  EXPECT_TRUE(std::is_sorted(catalog.begin(), catalog.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  for (const ParameterDefinition& d : catalog) {
    EXPECT_FALSE(d.description.empty()) << d.name;
    EXPECT_TRUE(d.data_type == "integer" || d.data_type == "boolean" || d.data_type == "float" ||
                d.data_type == "string" || d.data_type == "list")
        << d.name;
    // A default must itself be a valid value.
    if (!d.default_value.empty()) {
      EXPECT_TRUE(ValidateParameterValue(d, d.default_value).ok()) << d.name;
    }
    EXPECT_EQ(FindParameter(d.name), &d);
  }
  EXPECT_EQ(FindParameter("no_such_parameter"), nullptr);
}

TEST(ParameterCatalog, TheParametersTheIssueNames) {
  for (const char* name : {"require_secure_transport", "max_connections"}) {
    const ParameterDefinition* d = FindParameter(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_TRUE(d->dynamic) << name;
    EXPECT_TRUE(d->modifiable) << name;
  }
  EXPECT_TRUE(FindParameter("innodb_buffer_pool_size")->dynamic);  // resized online
  EXPECT_FALSE(FindParameter("performance_schema")->dynamic);
  EXPECT_FALSE(FindParameter("sync_binlog")->modifiable);
  EXPECT_EQ(FindParameter("time_zone")->OptionName(), "default_time_zone");
  EXPECT_EQ(FindParameter("time_zone")->VariableName(), "time_zone");
}

TEST(ParameterCatalog, ValueValidation) {
  struct Case {
    const char* name;
    const char* value;
    bool ok;
  };
  const Case cases[] = {
      {"max_connections", "1", true},
      {"max_connections", "100000", true},
      {"max_connections", "0", false},
      {"max_connections", "100001", false},
      {"max_connections", "12a", false},
      {"max_connections", "-5", false},
      {"max_connections", "", false},
      {"innodb_buffer_pool_size", "17179869184", true},
      {"innodb_buffer_pool_size", "17179869185", false},
      {"require_secure_transport", "1", true},
      {"require_secure_transport", "ON", false},
      {"long_query_time", "0.5", true},
      {"long_query_time", "1.2.3", false},
      {"sql_mode", "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", true},
      {"sql_mode", "ANSI_QUOTES", false},
      {"sql_mode", "STRICT_TRANS_TABLES,", false},
      {"character_set_server", "utf8mb4", true},
      {"character_set_server", "klingon", false},
      {"collation_server", "utf8mb4_unicode_ci", true},
      {"collation_server", "binary", true},
      {"collation_server", "klingon_ci", false},
      {"collation_server", "utf8mb4", false},
      {"time_zone", "SYSTEM", true},
      {"time_zone", "+13:00", true},
      {"time_zone", "-12:59", true},
      {"time_zone", "+13:01", false},
      {"time_zone", "Europe/Paris", false},
      {"tx_isolation", "READ-COMMITTED", true},
      {"tx_isolation", "read-committed", false},
      {"wait_timeout", "28800", true},
      {"wait_timeout", "1#2", false},
      {"wait_timeout", " 5", false},
  };
  for (const Case& c : cases) {
    Status s = Validate(c.name, c.value);
    EXPECT_EQ(s.ok(), c.ok) << c.name << "=" << c.value << ": " << s.message();
    if (!s.ok()) {
      EXPECT_NE(s.message().find(c.name), std::string::npos) << s.message();
    }
  }
}

TEST(ParameterGroup, EncodeDecodeAndEngineSettings) {
  DbParameterGroup g;
  g.name = "pg1";
  g.description = "d";
  g.values = {{"time_zone", "+02:00"}, {"max_connections", "50"}, {"gone_parameter", "x"}};
  g.apply_methods = {{"time_zone", "immediate"}};
  g.revision = 3;
  g.tags = {{"k", "v"}};
  StatusOr<DbParameterGroup> back = DecodeParameterGroup(EncodeParameterGroup(g));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->values, g.values);
  EXPECT_EQ(back->revision, 3);
  ASSERT_EQ(back->tags.size(), 1u);
  EXPECT_EQ(back->tags[0].value, "v");

  std::vector<EngineSetting> settings = EngineSettings(g);
  ASSERT_EQ(settings.size(), 2u);  // the unknown one is skipped
  EXPECT_EQ(settings[0].option_name, "max_connections");
  EXPECT_TRUE(settings[0].dynamic);
  EXPECT_EQ(settings[1].option_name, "default_time_zone");
  EXPECT_EQ(settings[1].variable_name, "time_zone");
  EXPECT_EQ(settings[1].value, "+02:00");

  EXPECT_FALSE(DecodeParameterGroup("[]").ok());
  EXPECT_TRUE(DefaultParameterGroup().is_default());
}

}  // namespace
}  // namespace tandem::rds
