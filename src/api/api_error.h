// ApiError and ApiResult<T>: the error model of Tandem's AWS APIs.
//
// A service operation returns either its output or an ApiError carrying the
// AWS error code ("ResourceNotFoundException", "DBInstanceNotFound"), the
// message AWS gives (or, where AWS is silent, one that names the parameter and
// what is allowed) and the HTTP status. Each protocol codec renders it in its
// wire format. Messages never contain secret values.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace tandem::api {

struct ApiError {
  std::string code;
  std::string message;
  int http_status = 400;
  // "Sender" or "Receiver" (the Query protocol's Error/Type).
  bool is_server_fault = false;
};

// The JSON protocols' error for a request body or parameter that cannot be
// decoded into the operation's input shape.
inline ApiError SerializationError(std::string message) {
  return {"SerializationException", std::move(message), 400, false};
}

template <class T>
class ApiResult {
 public:
  // Implicit on purpose: a handler returns a T or an ApiError.
  ApiResult(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  ApiResult(ApiError e) : v_(std::move(e)) {}   // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  const ApiError& error() const { return std::get<ApiError>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace tandem::api
