// The AWS Query protocol (RDS): POST / with an
// application/x-www-form-urlencoded body "Action=<Operation>&Version=<api
// version>&<parameters>" (or the same parameters in a GET query string), XML
// responses in the model's namespace, errors as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
// with the HTTP status of the error's shape in the model (DBInstanceNotFound
// 404, so SDKs raise DBInstanceNotFoundFault) and 400 for the common errors.
//
// QueryProtocolService dispatches on Action to registered handlers. Before a
// handler runs it refuses, changing nothing:
//   no Action                        MissingAction
//   an Action the model lacks, or one not registered   InvalidAction
//   no Version / another Version     MissingParameter / NoSuchVersion
//   malformed form encoding          MalformedQueryString
//   a required parameter missing     MissingParameter
//   a value of the wrong type        InvalidParameterValue (query_input.h)
//   a model constraint violated      InvalidParameterValue, with the message
//                                    of ServiceModel::ValidateInput
// Handlers receive the input as JSON (query_input.h) and return the output
// as JSON (query_output.h renders it). An ApiError's http_status and fault
// side are taken from the model when the model lists its code.
//
// Thread-safety: Register before serving; Handle concurrently.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "api/api_error.h"
#include "api/query_model.h"
#include "api/service.h"

namespace tandem::api {

using Json = nlohmann::json;
using QueryHandler = std::function<ApiResult<Json>(const RequestContext&, const Json& input)>;

class QueryProtocolService : public AwsService {
 public:
  QueryProtocolService(std::string signing_name, std::shared_ptr<const QueryModel> model)
      : signing_name_(std::move(signing_name)), model_(std::move(model)) {}

  // Registers the handler of operation, which must be in the model.
  void Register(const std::string& operation, QueryHandler handler);

  std::string signing_name() const override { return signing_name_; }
  HttpResponse Handle(const RequestContext& ctx, const HttpRequest& req) override;
  // MissingAuthenticationToken 403, IncompleteSignature 400,
  // InvalidClientTokenId 403, SignatureDoesNotMatch 403 (also for an expired
  // signature, as AWS's Query services answer).
  HttpResponse AuthError(const AuthFailure& failure, const std::string& request_id) override;

  // The error response for e, with status and fault side from the model when
  // it lists e.code.
  HttpResponse ErrorResponse(const ApiError& e, const std::string& request_id) const;

  const QueryModel& model() const { return *model_; }

 private:
  std::string signing_name_;
  std::shared_ptr<const QueryModel> model_;
  std::unordered_map<std::string, QueryHandler> handlers_;
};

}  // namespace tandem::api
