// Rendering of AWS Query protocol responses as XML, driven by the model:
//
//   <DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
//     <DescribeDBInstancesResult>            (the output's resultWrapper)
//       <DBInstances><DBInstance>...</DBInstance></DBInstances>
//     </DescribeDBInstancesResult>
//     <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
//   </DescribeDBInstancesResponse>
//
// The output is the JSON value of the operation's output shape, as a handler
// returns it. Structure members appear in model order under their
// locationName (else their name); list elements are wrapped in the member's
// locationName (else "member"), or repeated bare when the list is flattened;
// maps as <entry><key/><value/></entry>. Text is XML-escaped; characters XML
// cannot carry become U+FFFD. Booleans are "true"/"false"; timestamps, given
// as epoch seconds (as the JSON protocol carries them), become ISO 8601 UTC
// with milliseconds ("2023-11-14T22:13:20.000Z"). Members the shape does not
// name are left out.
//
// Errors:
//   <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code>
//   <Message>...</Message></Error><RequestId>...</RequestId></ErrorResponse>
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/query_model.h"

namespace tandem::api {

// The response body of a successful call of operation.
std::string RenderQueryResponse(const QueryModel& model, const std::string& operation,
                                const nlohmann::json& output, const std::string& request_id);

// The body of an error response. sender_fault picks Error/Type: "Sender" or
// "Receiver".
std::string RenderQueryError(const std::string& xml_namespace, const ApiError& error,
                             bool sender_fault, const std::string& request_id);

}  // namespace tandem::api
