// Decoding of AWS Query protocol requests: form-encoded parameters
// ("Action=DescribeDBInstances&Version=2014-10-31&Filters.Filter.1.Name=engine
// &Filters.Filter.1.Values.Value.1=mysql") into the JSON value of the
// operation's input shape ({"Filters": [{"Name": "engine", "Values":
// ["mysql"]}]}), so handlers see the same JSON as the JSON protocol's.
//
// The decoding is the inverse of botocore's QuerySerializer, driven by the
// model:
//   structure member   <prefix>.<locationName or member name>
//   list               <prefix>.<member's locationName or "member">.<n>, n from 1;
//                      flattened lists: <prefix>.<n> (the member's locationName
//                      replacing the last name part); "<prefix>=" is an empty list
//   map                <prefix>.entry.<n>.key / .value (locationNames apply;
//                      flattened maps drop ".entry")
//   boolean            "true" / "false"
//   integer, long, float, double   decimal text
//   timestamp          ISO 8601 ("2023-11-14T22:13:20Z", fractions and offsets
//                      allowed) or epoch seconds, no later than
//                      9999-12-31T23:59:59Z; decoded to epoch seconds, as the
//                      JSON protocol carries them
//   string, blob       as sent (blobs stay base64 text)
// Elements are taken in index order; gaps in the numbering are closed up.
// Parameters the shape does not name are ignored, as AWS does.
//
// Errors are the Query protocol's common errors: MissingParameter for a
// required member that is absent ("The request must contain the parameter
// DBInstanceIdentifier"), InvalidParameterValue for a value of the wrong type,
// MalformedQueryString for text that is not form encoding. Messages name the
// parameter as it was sent and never echo values of sensitive shapes.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/query_model.h"

namespace tandem::api {

using Json = nlohmann::json;

// Decoded request parameters, name -> value, in name order.
using QueryParameters = std::map<std::string, std::string, std::less<>>;

// Adds the parameters of application/x-www-form-urlencoded text to out
// ('+' is a space, %XX a byte). MalformedQueryString for a bad escape or a
// name given twice (across calls too, so a query string and a body can be
// merged); out keeps what was added before the error.
std::optional<ApiError> ParseFormEncoded(std::string_view text, QueryParameters& out);

// The input of operation built from params (Action and Version are not
// looked at). An operation without an input shape gives {}.
ApiResult<Json> DecodeQueryInput(const QueryModel& model, const std::string& operation,
                                 const QueryParameters& params);

// "2023-11-14T22:13:20.5+01:00" -> epoch seconds; nullopt if malformed.
std::optional<double> ParseIso8601(std::string_view text);

}  // namespace tandem::api
