// Router: the request path from bytes-parsed HTTP to a service.
//
//   GET /_tandem/health            -> 200 {"status":"ready",...}, no authentication
//   anything else                  -> SigV4 verification, then the service whose
//                                     signing name is in the credential scope
//
// Requests for a service Tandem does not serve are answered in JSON with
// UnknownOperationException-style errors. Thread-safe once services are added.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "api/credentials.h"
#include "api/http.h"
#include "api/service.h"
#include "common/clock.h"

namespace tandem::api {

class Router {
 public:
  Router(const CredentialLookup& credentials, const Clock& clock, std::string account_id)
      : credentials_(credentials), clock_(clock), account_id_(std::move(account_id)) {}

  void AddService(AwsService* service);  // not owned; must outlive the router
  HttpResponse Route(const HttpRequest& req) const;

 private:
  const CredentialLookup& credentials_;
  const Clock& clock_;
  std::string account_id_;
  std::map<std::string, AwsService*> services_;
};

}  // namespace tandem::api
