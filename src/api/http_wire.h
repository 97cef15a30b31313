// HTTP/1.1 on the wire: bytes to HttpRequest and HttpResponse to bytes, for
// the server and its fuzz target. Internal to api/.
#pragma once

#include <cstddef>
#include <string>

// With sanitizers, GCC reports a boost::optional inside Beast's parser as
// maybe-uninitialized: a false positive that -Werror would make fatal.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/http/basic_parser.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "api/http.h"

namespace tandem::api {

// Parses one request into an HttpRequest (header names lower-cased, values
// trimmed by the parser), refusing a header block over max_header_bytes
// (http::error::header_limit) and a body over max_body_bytes
// (http::error::body_limit, reported as soon as Content-Length says so).
//
// Feed it with put(); it is single-use like every Beast parser: make one per
// request. The HttpRequest it fills may be reused across requests, so its
// strings keep their capacity; remote_address is left alone.
class HttpRequestParser : public boost::beast::http::basic_parser<true> {
 public:
  HttpRequestParser(HttpRequest& out, size_t max_header_bytes, size_t max_body_bytes);

  // True when the client sent "Expect: 100-continue" and waits for a
  // "100 Continue" before sending its body.
  bool expects_continue() const { return expects_continue_; }
  // 10 or 11, once the request line is parsed.
  int http_version() const { return version_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  HttpRequest& out_;
  size_t headers_used_ = 0;  // entries of out_.headers filled so far
  bool expects_continue_ = false;
  int version_ = 11;
};

// Appends the status line and header block of response to out: Content-Type,
// Content-Length, the response's extra headers (except those that would
// change the framing, and any with CR or LF), and "Connection: close" when the
// connection will be closed ("Connection: keep-alive" when it stays open for an
// HTTP/1.0 client, which would otherwise assume it closes).
void AppendResponseHead(const HttpResponse& response, bool keep_alive, int http_version,
                        std::string& out);

}  // namespace tandem::api
