#include "rds/describe_filters.h"

#include "crypto/digest.h"
#include "rds/rds_errors.h"

namespace tandem::rds {
namespace {

constexpr int kMinRecords = 20;
constexpr int kMaxRecords = 100;

std::string Tagged(std::string_view listing) { return "rds:" + std::string(listing) + "\n"; }

}  // namespace

api::ApiResult<DescribeFilters> DescribeFilters::Parse(
    const nlohmann::json& input, std::initializer_list<std::string_view> supported) {
  DescribeFilters out;
  auto filters = input.find("Filters");
  if (filters == input.end()) return out;
  for (const nlohmann::json& filter : *filters) {
    std::string name = filter.value("Name", "");
    bool known = false;
    std::string names;
    for (std::string_view s : supported) {
      known = known || s == name;
      names += (names.empty() ? "" : ", ") + std::string(s);
    }
    if (!known) {
      return errors::InvalidParameterValue("Unrecognized filter name: " + name +
                                           (names.empty() ? ". This operation supports no filters"
                                                          : ". Supported filter names: " + names));
    }
    std::vector<std::string>& values = out.filters_[name];
    for (const nlohmann::json& v : filter.value("Values", nlohmann::json::array())) {
      values.push_back(v.get<std::string>());
    }
    if (values.empty()) {
      return errors::InvalidParameterValue("The filter " + name + " needs at least one value");
    }
  }
  return out;
}

bool DescribeFilters::Matches(const std::string& name,
                              std::initializer_list<std::string_view> values) const {
  auto it = filters_.find(name);
  if (it == filters_.end()) return true;
  for (const std::string& wanted : it->second) {
    for (std::string_view v : values) {
      if (wanted == v) return true;
    }
  }
  return false;
}

const std::vector<std::string>* DescribeFilters::Values(const std::string& name) const {
  auto it = filters_.find(name);
  return it == filters_.end() ? nullptr : &it->second;
}

api::ApiResult<PageRequest> ParsePageRequest(const nlohmann::json& input,
                                             std::string_view listing) {
  PageRequest page;
  if (auto max = input.find("MaxRecords"); max != input.end()) {
    int64_t n = max->get<int64_t>();
    if (n < kMinRecords || n > kMaxRecords) {
      return errors::InvalidParameterValue(
          "Invalid value " + std::to_string(n) + " for MaxRecords. Must be between " +
          std::to_string(kMinRecords) + " and " + std::to_string(kMaxRecords));
    }
    page.max_records = static_cast<size_t>(n);
  }
  if (auto marker = input.find("Marker"); marker != input.end()) {
    std::optional<std::string> text = crypto::Base64Decode(marker->get<std::string>());
    std::string tag = Tagged(listing);
    if (!text || text->compare(0, tag.size(), tag) != 0) {
      return errors::InvalidParameterValue(
          "The Marker is not one this operation returned; pass the Marker of the previous page "
          "unchanged");
    }
    page.after = text->substr(tag.size());
  }
  return page;
}

std::string EncodeMarker(std::string_view listing, std::string_view position) {
  return crypto::Base64Encode(Tagged(listing) + std::string(position));
}

}  // namespace tandem::rds
