// HttpClient: one HTTP/1.1 request over HTTP or HTTPS, for the meter's
// Secrets Manager call (Boost.Beast, synchronous, one connection per request).
//
// HTTPS verifies the server's certificate against ca_bundle (a PEM file) or,
// when empty, the system's trust store, and that it names the URL's host; a
// failure is an error, never a fallback. The whole exchange (resolve,
// connect, TLS, write, read) must finish within timeout.
//
// Errors: kInvalidArgument for a URL that is not http(s)://host[:port][/path];
// kUnavailable for network, TLS and timeout failures (the message names the
// URL and the cause). Any HTTP status is a response, not an error.
//
// Thread-safety: free functions; no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "api/http.h"
#include "common/status.h"

namespace tandem::meter {

struct HttpUrl {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  bool port_given = false;  // written in the URL (then part of the Host header)
  std::string path = "/";

  // The Host header: host, with :port when the URL gave one.
  std::string HostHeader() const;
  std::string ToString() const;
};

StatusOr<HttpUrl> ParseHttpUrl(const std::string& text);

struct HttpClientOptions {
  std::string ca_bundle;  // HTTPS: PEM file; empty: the system's trust store
  std::chrono::milliseconds timeout{10000};
};

// Sends request (method, target, headers, body as given; Content-Length is
// added) to url's host and port and returns the response.
StatusOr<api::HttpResponse> SendHttpRequest(const HttpUrl& url, const api::HttpRequest& request,
                                            const HttpClientOptions& options);

}  // namespace tandem::meter
