#include "meter/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "meter/text_number.h"

namespace tandem::meter {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr size_t kMaxResponseBytes = 1 << 20;

// Runs one asynchronous operation to completion on ioc; its error.
template <class Start>
beast::error_code Await(net::io_context& ioc, Start start) {
  beast::error_code result = net::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

template <class Stream>
StatusOr<api::HttpResponse> Exchange(net::io_context& ioc, Stream& stream, const HttpUrl& url,
                                     const api::HttpRequest& request) {
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.body() = request.body;
  req.prepare_payload();
  if (auto ec = Await(ioc, [&](auto handler) { http::async_write(stream, req, handler); })) {
    return Status::Unavailable("sending the request to " + url.ToString() + ": " + ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  if (auto ec =
          Await(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, handler); })) {
    return Status::Unavailable("reading the answer of " + url.ToString() + ": " + ec.message());
  }
  const auto& res = parser.get();
  api::HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = res.body();
  return out;
}

}  // namespace

std::string HttpUrl::HostHeader() const {
  return port_given ? host + ":" + std::to_string(port) : host;
}

std::string HttpUrl::ToString() const {
  return std::string(tls ? "https://" : "http://") + HostHeader() + path;
}

StatusOr<HttpUrl> ParseHttpUrl(const std::string& text) {
  HttpUrl url;
  std::string_view rest = text;
  if (rest.rfind("https://", 0) == 0) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return Status::InvalidArgument("endpoint URL '" + text +
                                   "' must start with http:// or https://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  url.port = url.tls ? 443 : 80;
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto port = ParsePort(authority.substr(colon + 1));
    if (!port) return Status::InvalidArgument("endpoint URL '" + text + "' has an invalid port");
    url.port = *port;
    url.port_given = true;
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return Status::InvalidArgument("endpoint URL '" + text + "' has no host");
  url.host = std::string(authority);
  return url;
}

StatusOr<api::HttpResponse> SendHttpRequest(const HttpUrl& url, const api::HttpRequest& request,
                                            const HttpClientOptions& options) {
  net::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) return Status::Unavailable("resolving " + url.host + ": " + ec.message());

  beast::tcp_stream tcp_stream(ioc);
  tcp_stream.expires_after(options.timeout);
  if (auto err = Await(ioc, [&](auto handler) { tcp_stream.async_connect(endpoints, handler); })) {
    return Status::Unavailable("connecting to " + url.ToString() + ": " + err.message());
  }
  if (!url.tls) return Exchange(ioc, tcp_stream, url, request);

  ssl::context ctx(ssl::context::tls_client);
  if (options.ca_bundle.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(options.ca_bundle, ec);
  }
  if (ec) {
    return Status::InvalidArgument("cannot load the CA bundle '" + options.ca_bundle +
                                   "': " + ec.message());
  }
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), ctx);
  SSL* ssl_handle = stream.native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
  if (IsIpAddress(url.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_handle, url.host.c_str());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
  }
  if (auto err = Await(
          ioc, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); })) {
    return Status::Unavailable("TLS with " + url.ToString() + " failed (certificate checked " +
                               (options.ca_bundle.empty() ? std::string("against the system's CAs")
                                                          : "against " + options.ca_bundle) +
                               "): " + err.message());
  }
  return Exchange(ioc, stream, url, request);
}

}  // namespace tandem::meter
