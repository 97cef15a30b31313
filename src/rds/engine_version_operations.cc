// DescribeDBEngineVersions: the engines Tandem offers, mysql and mariadb,
// both running the same MariaDB server (engine_version.h) in one parameter
// group family.
#include "rds/describe_filters.h"
#include "rds/engine_version.h"
#include "rds/instance_rules.h"
#include "rds/rds_errors.h"
#include "rds/rds_service_impl.h"

namespace tandem::rds {
namespace {

struct EngineOffer {
  const char* engine;
  const char* description;
};

constexpr EngineOffer kEngines[] = {
    {"mariadb", "MariaDb Community Edition (run by Tandem)"},
    {"mysql", "MySQL-compatible MariaDB Community Edition (run by Tandem)"},
};

// Whether wanted names version: the same, or a prefix of whole parts ("10.11").
bool VersionMatches(const std::string& version, const std::string& wanted) {
  return wanted == version || version.rfind(wanted + ".", 0) == 0;
}

}  // namespace

Result RdsService::Impl::DescribeDBEngineVersions(const Call&, const Json& input) {
  const std::string engine = input.value("Engine", "");
  if (!engine.empty()) {
    if (auto e = CheckEngine(engine)) return *e;
  }
  api::ApiResult<DescribeFilters> filters = DescribeFilters::Parse(
      input, {"db-parameter-group-family", "engine", "engine-version", "status"});
  if (!filters.ok()) return filters.error();
  api::ApiResult<PageRequest> page = ParsePageRequest(input, "db-engine-versions");
  if (!page.ok()) return page.error();

  const std::string& version = EngineVersion();
  const std::string wanted_version = input.value("EngineVersion", "");
  const std::string family = input.value("DBParameterGroupFamily", "");
  std::vector<Json> versions;
  for (const EngineOffer& offer : kEngines) {
    if (!engine.empty() && engine != offer.engine) continue;
    if (!wanted_version.empty() && !VersionMatches(version, wanted_version)) continue;
    if (!family.empty() && family != kParameterGroupFamily) continue;
    if (!filters->Matches("engine", {offer.engine}) ||
        !filters->Matches("engine-version", {version, MajorEngineVersion(version)}) ||
        !filters->Matches("db-parameter-group-family", {kParameterGroupFamily}) ||
        !filters->Matches("status", {"available"})) {
      continue;
    }
    versions.push_back({
        {"Engine", offer.engine},
        {"EngineVersion", version},
        {"DBParameterGroupFamily", kParameterGroupFamily},
        {"DBEngineDescription", offer.description},
        {"DBEngineVersionDescription", "MariaDB " + version},
        {"MajorEngineVersion", MajorEngineVersion(version)},
        {"DefaultCharacterSet",
         {{"CharacterSetName", "utf8mb4"}, {"CharacterSetDescription", "UTF-8 Unicode"}}},
        {"ValidUpgradeTarget", Json::array()},
        {"ExportableLogTypes", Json::array()},
        {"SupportsLogExportsToCloudwatchLogs", false},
        {"SupportsReadReplica", false},
        {"SupportedFeatureNames", Json::array()},
        {"Status", "available"},
        {"SupportsParallelQuery", false},
        {"SupportsGlobalDatabases", false},
        {"SupportsBabelfish", false},
    });
  }
  std::string marker;
  std::vector<Json> shown = TakePage(
      std::move(versions), *page, "db-engine-versions",
      [](const Json& v) { return v["Engine"].get<std::string>(); }, marker);
  Json out = {{"DBEngineVersions", shown}};
  if (!marker.empty()) out["Marker"] = marker;
  return out;
}

}  // namespace tandem::rds
