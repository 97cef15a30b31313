#include "api/http_wire.h"

#include <algorithm>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <limits>

#include "common/ascii.h"

namespace tandem::api {
namespace http = boost::beast::http;

namespace {

void AppendNumber(std::string& out, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// A header the handler set that the server may write as is.
bool IsWritableHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c > '~') return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  // The server alone decides how the message is framed.
  return !EqualsIgnoreCase(name, "content-length") && !EqualsIgnoreCase(name, "content-type") &&
         !EqualsIgnoreCase(name, "connection") && !EqualsIgnoreCase(name, "transfer-encoding");
}

}  // namespace

HttpRequestParser::HttpRequestParser(HttpRequest& out, size_t max_header_bytes,
                                     size_t max_body_bytes)
    : out_(out) {
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  body_limit(static_cast<std::uint64_t>(max_body_bytes));
  eager(true);  // parse the header and whatever body arrived with it in one put()
}

void HttpRequestParser::on_request_impl(http::verb, string_view method_str, string_view target,
                                        int version, error_code&) {
  version_ = version;
  out_.method.assign(method_str.data(), method_str.size());
  out_.target.assign(target.data(), target.size());
  out_.body.clear();
  headers_used_ = 0;
}

void HttpRequestParser::on_response_impl(int, string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // never called for a request parser
}

void HttpRequestParser::on_field_impl(http::field, string_view name, string_view value,
                                      error_code&) {
  if (headers_used_ == out_.headers.size()) out_.headers.emplace_back();
  auto& [lower_name, field_value] = out_.headers[headers_used_++];
  lower_name.resize(name.size());
  for (size_t i = 0; i < name.size(); ++i) lower_name[i] = AsciiLower(name[i]);
  field_value.assign(value.data(), value.size());
  if (lower_name == "expect" && EqualsIgnoreCase(field_value, "100-continue")) {
    expects_continue_ = true;
  }
}

void HttpRequestParser::on_header_impl(error_code&) { out_.headers.resize(headers_used_); }

void HttpRequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                          error_code&) {
  // The parser has already checked content_length against the body limit.
  if (content_length) out_.body.reserve(static_cast<size_t>(*content_length));
}

size_t HttpRequestParser::on_body_impl(string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  return body.size();
}

void HttpRequestParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

size_t HttpRequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  out_.body.append(body.data(), body.size());
  return body.size();
}

void HttpRequestParser::on_finish_impl(error_code&) {}

void AppendResponseHead(const HttpResponse& response, bool keep_alive, int http_version,
                        std::string& out) {
  out += "HTTP/1.1 ";
  AppendNumber(out, static_cast<uint64_t>(response.status));
  out += ' ';
  boost::beast::string_view reason =
      http::obsolete_reason(static_cast<http::status>(response.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!response.content_type.empty() && IsWritableHeader("x", response.content_type)) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  out += "Content-Length: ";
  AppendNumber(out, response.body.size());
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (!IsWritableHeader(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (http_version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

}  // namespace tandem::api
