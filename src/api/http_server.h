// HttpServer: the event-driven HTTP/1.1 server in front of the router
// (Boost.Beast on Boost.Asio, one io_context run by N threads).
//
// Keep-alive, pipelining-safe (one request at a time per connection), optional
// TLS (OpenSSL, the certificate from Tandem's CA or the operator's). Defends
// itself: header block and body size caps (413/431 before reading the body),
// a read timeout for slow clients, a connection cap. A handler exception is
// answered with 500 and logged; the server keeps serving.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "common/status.h"

namespace tandem::api {

struct HttpServerOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 4566;
  int threads = 2;
  size_t max_body_bytes = 1 << 20;      // larger bodies get 413
  size_t max_header_bytes = 16 * 1024;  // larger header blocks get 431
  int read_timeout_seconds = 30;        // idle or slow clients are disconnected
  size_t max_connections = 4096;
  // TLS: when both are set the server speaks only HTTPS.
  std::string tls_certificate_pem;
  std::string tls_private_key_pem;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds and listens; kIOError (with the OS reason) if the address is taken.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                     HttpHandler handler);
  virtual ~HttpServer() = default;
  // The port actually bound (useful with listen_port 0).
  virtual uint16_t port() const = 0;
  // Blocks until Stop() is called (from a signal handler thread or another thread).
  virtual void Wait() = 0;
  virtual void Stop() = 0;
};

}  // namespace tandem::api
