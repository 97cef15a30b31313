#include "control/parameter_drift.h"

#include <gtest/gtest.h>

#include "rds/parameter_group.h"

namespace tandem::control {
namespace {

std::vector<rds::ParameterDefinition> Catalog() {
  rds::ParameterDefinition max_connections;
  max_connections.name = "max_connections";
  max_connections.dynamic = true;
  rds::ParameterDefinition secure;
  secure.name = "require_secure_transport";
  secure.default_value = "0";
  secure.dynamic = true;
  rds::ParameterDefinition log_size;
  log_size.name = "innodb_log_file_size";
  log_size.dynamic = false;
  rds::ParameterDefinition charset;
  charset.name = "character_set_server";
  charset.dynamic = true;  // default "": the engine's, which SET GLOBAL cannot name
  return {max_connections, secure, log_size, charset};
}

TEST(ParameterDriftTest, NothingChanged) {
  EXPECT_TRUE(
      FindParameterDrift({{"max_connections", "50"}}, {{"max_connections", "50"}}, Catalog(), {})
          .empty());
}

TEST(ParameterDriftTest, DynamicAppliedLiveStaticWaitsForRestart) {
  const ParameterDrift drift = FindParameterDrift(
      {{"require_secure_transport", "1"}, {"innodb_log_file_size", "1G"}}, {}, Catalog(), {});
  EXPECT_EQ(drift.live, (std::map<std::string, std::string>{{"require_secure_transport", "1"}}));
  EXPECT_EQ(drift.on_restart, std::vector<std::string>{"innodb_log_file_size"});
}

TEST(ParameterDriftTest, ResetGoesBackToTheDefault) {
  const ParameterDrift drift = FindParameterDrift({},
                                                  {{"require_secure_transport", "1"},
                                                   {"max_connections", "10"},
                                                   {"character_set_server", "latin1"}},
                                                  Catalog(), {{"max_connections", "85"}});
  EXPECT_EQ(drift.live, (std::map<std::string, std::string>{{"max_connections", "85"},
                                                            {"require_secure_transport", "0"}}));
  EXPECT_EQ(drift.on_restart, std::vector<std::string>{"character_set_server"});
}

TEST(ParameterDriftTest, UnknownParameterWaitsForRestart) {
  const ParameterDrift drift = FindParameterDrift({{"bogus", "1"}}, {}, Catalog(), {});
  EXPECT_TRUE(drift.live.empty());
  EXPECT_EQ(drift.on_restart, std::vector<std::string>{"bogus"});
}

TEST(ParameterDriftTest, TandemsOwnParametersNeverReachTheEngine) {
  const ParameterDrift drift =
      FindParameterDrift({{"tandem_sync_policy", "strict"}}, {}, rds::ParameterCatalog(), {});
  EXPECT_TRUE(drift.live.empty());
  EXPECT_TRUE(drift.on_restart.empty());
}

TEST(ParameterDriftTest, AfterLiveChangesRecordsWhatRuns) {
  const std::map<std::string, std::string> running = {{"require_secure_transport", "1"},
                                                      {"innodb_log_file_size", "1G"}};
  const std::map<std::string, std::string> desired = {{"max_connections", "20"},
                                                      {"innodb_log_file_size", "2G"}};
  const ParameterDrift drift = FindParameterDrift(desired, running, Catalog(), {});
  EXPECT_EQ(AfterLiveChanges(running, desired, drift),
            (std::map<std::string, std::string>{{"innodb_log_file_size", "1G"},
                                                {"max_connections", "20"}}));
}

}  // namespace
}  // namespace tandem::control
