// The HTTP request and response as the API layer sees them: independent of the
// server library, so SigV4, the protocol codecs and the fuzz targets work on
// plain values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::api {

struct HttpRequest {
  std::string method;  // "POST"
  std::string target;  // the raw request-target, "/path?query", not decoded
  // Header fields in the order received, names lower-cased, values as sent
  // (leading/trailing whitespace already removed by the parser).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53412", for logs only

  // The first value of the named header (name lower-case), or nullptr.
  const std::string* Header(std::string_view lower_name) const;
  std::string_view Path() const;   // target up to '?'
  std::string_view Query() const;  // target after '?', or ""
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

}  // namespace tandem::api
