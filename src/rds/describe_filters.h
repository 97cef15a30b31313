// The Filters and Marker/MaxRecords of RDS's Describe* operations.
//
// Filters: [{"Name": "engine", "Values": ["mysql", "mariadb"]}]; a resource
// matches when, for every filter, one of the values matches. Each operation
// names the filters it supports; any other name is refused as RDS does
// (InvalidParameterValue "Unrecognized filter name: <name>").
//
// Paging: MaxRecords 20-100 (default 100); a Marker is opaque to callers and
// records the last item returned (not an offset), so a listing that changes
// between pages neither repeats nor skips the items that stayed.
//
// Pure; thread-safe.
#pragma once

#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"

namespace tandem::rds {

class DescribeFilters {
 public:
  // Reads input["Filters"]; names must be among supported.
  static api::ApiResult<DescribeFilters> Parse(const nlohmann::json& input,
                                               std::initializer_list<std::string_view> supported);

  // Whether the filter name is absent, or lists value (exact match) or one of
  // the alternatives (an identifier and its ARN, say).
  bool Matches(const std::string& name, std::initializer_list<std::string_view> values) const;
  // The values of filter name, or nullptr if it is absent.
  const std::vector<std::string>* Values(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> filters_;
};

struct PageRequest {
  size_t max_records = 100;
  std::optional<std::string> after;  // the position of the last item already returned
};

// Reads MaxRecords and Marker. listing names what is listed ("db-instances"),
// so a marker of one listing is refused by another.
api::ApiResult<PageRequest> ParsePageRequest(const nlohmann::json& input, std::string_view listing);

std::string EncodeMarker(std::string_view listing, std::string_view position);

// One page of items sorted by position: those after page.after, at most
// page.max_records, with the Marker of the next page ("" at the end).
template <class T, class PositionFn>
std::vector<T> TakePage(std::vector<T> sorted, const PageRequest& page, std::string_view listing,
                        PositionFn position, std::string& next_marker) {
  std::vector<T> out;
  next_marker.clear();
  for (T& item : sorted) {
    if (page.after && !(*page.after < position(item))) continue;
    if (out.size() == page.max_records) {
      next_marker = EncodeMarker(listing, position(out.back()));
      break;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace tandem::rds
