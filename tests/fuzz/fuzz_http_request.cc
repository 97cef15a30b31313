// Drives the server's request parser (Beast's basic_parser, the server's
// limits) over arbitrary bytes delivered in arbitrary pieces, the way the
// server's read loop does, including pipelined requests.
//
// Input: one byte choosing the piece size and the limits, then the bytes a
// client sends.
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/http_server.h"
#include "api/http_wire.h"

namespace {

using tandem::api::HttpRequest;
using tandem::api::HttpRequestParser;
using tandem::api::HttpServerOptions;

// The invariants a parsed request keeps, whatever the bytes were.
void CheckRequest(const HttpRequest& req, size_t max_body_bytes) {
  if (req.body.size() > max_body_bytes) __builtin_trap();
  std::string_view path = req.Path();
  std::string_view query = req.Query();
  if (path.size() + query.size() > req.target.size()) __builtin_trap();
  for (const auto& [name, value] : req.headers) {
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') __builtin_trap();  // names arrive lower-cased
    }
    if (req.Header(name) == nullptr) __builtin_trap();
  }
  tandem::api::HttpResponse response{200, "application/json", req.body, {}};
  std::string head;
  tandem::api::AppendResponseHead(response, true, 11, head);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  HttpServerOptions options;  // the server's defaults
  if (control & 0x80) {
    // Small limits, so that short inputs reach the 413 and 431 paths too.
    options.max_header_bytes = 256;
    options.max_body_bytes = 64;
  }
  const size_t piece = (control & 0x7F) == 0 ? input.size() + 1 : (control & 0x7F);

  HttpRequest request;
  std::string buffer;  // bytes received and not yet consumed, as the server's flat_buffer
  size_t delivered = 0;
  for (int requests = 0; requests < 64; ++requests) {
    HttpRequestParser parser(request, options.max_header_bytes, options.max_body_bytes);
    for (;;) {
      boost::beast::error_code ec;
      while (!buffer.empty() && !parser.is_done()) {
        size_t used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
        buffer.erase(0, used);
        if (ec || used == 0) break;
      }
      if (ec && ec != boost::beast::http::error::need_more) return 0;  // the server answers 4xx
      if (parser.is_done()) break;
      if (delivered == input.size()) return 0;  // the client went quiet
      size_t n = std::min(piece, input.size() - delivered);
      buffer.append(input.substr(delivered, n));
      delivered += n;
    }
    CheckRequest(request, options.max_body_bytes);
    if (!parser.keep_alive()) return 0;
  }
  return 0;
}
