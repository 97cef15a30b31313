// AwsService: one AWS API that tandemd serves (Secrets Manager, RDS, Lambda).
//
// The router authenticates a request, reads the service name from its SigV4
// scope and hands it to the service registered under that signing name. A
// service decodes its own protocol (JSON 1.1, Query, REST-JSON) and renders
// errors in it. Handle is called concurrently from the server's threads and
// must not block for long: long work belongs to reconcilers.
#pragma once

#include <string>

#include "api/http.h"
#include "api/sigv4.h"

namespace tandem::api {

struct RequestContext {
  Caller caller;           // verified: region and access key of the signer
  std::string account_id;  // the account resources belong to (--account-id)
  std::string request_id;  // a UUID, echoed in x-amzn-RequestId
};

class AwsService {
 public:
  virtual ~AwsService() = default;
  // The SigV4 signing name this service answers to.
  virtual std::string signing_name() const = 0;
  virtual HttpResponse Handle(const RequestContext& ctx, const HttpRequest& req) = 0;
  // Renders an authentication failure in this service's protocol.
  virtual HttpResponse AuthError(const AuthFailure& failure, const std::string& request_id) = 0;
};

}  // namespace tandem::api
