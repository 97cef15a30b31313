#include "api/http_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "api/http_wire.h"

namespace tandem::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// Bytes asked of the socket per read: a whole typical request in one call.
constexpr size_t kReadChunk = 16 * 1024;
// How long a refused client may keep sending before the connection is cut.
constexpr auto kLingerLimit = std::chrono::seconds(2);
// Pause before accepting again after accept failed (e.g. out of descriptors).
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

// What every connection of one server shares.
struct ServerState {
  HttpServerOptions options;
  HttpHandler handler;
  std::atomic<size_t> connections{0};
};

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body.append(R"({"__type":")").append(code).append(R"(","Message":")");
  response.body.append(message).append("\"}");
  return response;
}

// One client connection: reads a request, answers it, and repeats while the
// connection is kept alive. At most one I/O operation is pending at a time,
// and every handler runs on the connection's strand.
//
// Timeouts use one timer per connection that is rarely touched: each request
// moves a deadline forward, and the timer, when it fires, either closes the
// connection or sleeps again until the deadline. Arming a timer per read and
// write would double the handlers run per request.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;
  using Clock = std::chrono::steady_clock;

 public:
  Session(ServerState& state, Stream stream, std::string remote_address)
      : state_(state), stream_(std::move(stream)), timer_(stream_.get_executor()) {
    request_.remote_address = std::move(remote_address);
    state_.connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { state_.connections.fetch_sub(1, std::memory_order_relaxed); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->SetDeadline(self->ReadTimeout());
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close(/*linger=*/false);
          self->BeginRequest();
        });
      } else {
        self->BeginRequest();
      }
    });
  }

 private:
  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }
  Clock::duration ReadTimeout() const {
    return std::chrono::seconds(state_.options.read_timeout_seconds);
  }

  void SetDeadline(Clock::duration timeout) {
    deadline_ = Clock::now() + timeout;
    if (!timer_pending_ || deadline_ < timer_.expiry()) {
      // expires_at cancels a pending wait, whose handler then sees operation_aborted.
      timer_.expires_at(deadline_);
      timer_pending_ = true;
      timer_.async_wait(
          [self = this->shared_from_this()](beast::error_code ec) { self->OnTimer(ec); });
    }
  }

  void OnTimer(beast::error_code ec) {
    if (ec == net::error::operation_aborted || closed_) return;
    timer_pending_ = false;
    if (Clock::now() < deadline_) {
      SetDeadline(deadline_ - Clock::now());
      return;
    }
    // Too slow: cut the connection; the pending operation fails and lets go.
    closed_ = true;
    beast::error_code ignored;
    Socket().close(ignored);
  }

  // The whole request, not each read, must arrive within the read timeout:
  // a client trickling bytes is dropped as surely as a silent one.
  void BeginRequest() {
    parser_.emplace(request_, state_.options.max_header_bytes, state_.options.max_body_bytes);
    continue_sent_ = false;
    SetDeadline(ReadTimeout());
    Parse();
  }

  void Parse() {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) return Refuse(ec);
      if (used == 0) break;
    }
    if (parser_->is_done()) return Dispatch();
    if (parser_->is_header_done() && parser_->expects_continue() && !continue_sent_) {
      return SendContinue();
    }
    ReadMore();
  }

  void ReadMore() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              // End of stream, reset or timeout: nobody to answer.
                              if (ec) return self->Close(/*linger=*/false);
                              self->buffer_.commit(n);
                              self->Parse();
                            });
  }

  void SendContinue() {
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close(/*linger=*/false);
                       self->ReadMore();
                     });
  }

  void Dispatch() {
    bool keep_alive = parser_->keep_alive();
    HttpResponse response;
    try {
      response = state_.handler(request_);
    } catch (const std::exception& e) {
      spdlog::error("API request {} {} from {} failed: {}", request_.method, request_.Path(),
                    request_.remote_address, e.what());
      response = ErrorResponse(500, "InternalFailure",
                               "The request failed with an internal error; see tandemd's log");
    } catch (...) {
      spdlog::error("API request {} {} from {} failed with an unknown exception", request_.method,
                    request_.Path(), request_.remote_address);
      response = ErrorResponse(500, "InternalFailure",
                               "The request failed with an internal error; see tandemd's log");
    }
    Write(std::move(response), keep_alive, /*head_only=*/request_.method == "HEAD",
          /*linger=*/false);
  }

  // Answers a request the server will not read to the end, then closes.
  void Refuse(beast::error_code ec) {
    const HttpServerOptions& o = state_.options;
    HttpResponse response;
    if (ec == http::error::header_limit) {
      response = ErrorResponse(431, "RequestHeaderFieldsTooLarge",
                               "The request header block is larger than " +
                                   std::to_string(o.max_header_bytes) + " bytes");
    } else if (ec == http::error::body_limit) {
      response = ErrorResponse(
          413, "RequestEntityTooLarge",
          "The request body is larger than " + std::to_string(o.max_body_bytes) + " bytes");
    } else {
      response = ErrorResponse(400, "BadRequest", "The request is not valid HTTP/1.1");
    }
    Write(std::move(response), /*keep_alive=*/false, /*head_only=*/false, /*linger=*/true);
  }

  void Write(HttpResponse response, bool keep_alive, bool head_only, bool linger) {
    response_ = std::move(response);
    head_.clear();
    AppendResponseHead(response_, keep_alive, parser_->http_version(), head_);
    // One contiguous buffer: Beast's ssl_stream (flat_stream) mishandles a
    // two-buffer write once the answer spans more than one TLS record
    // (answers over about 16 KB never arrived).
    if (!head_only) head_.append(response_.body);
    // A client that does not read its answers is dropped like one that does not send.
    SetDeadline(ReadTimeout());
    net::async_write(
        stream_, net::buffer(head_),
        [self = this->shared_from_this(), keep_alive, linger](beast::error_code ec, size_t) {
          if (ec) return self->Close(/*linger=*/false);
          if (!keep_alive) return self->Close(linger);
          self->BeginRequest();
        });
  }

  // linger: the client may still be sending a request we refused; read and
  // discard for a moment, so that closing does not reset the connection
  // before the client has read our answer.
  void Close(bool linger) {
    if (closed_) return;
    beast::error_code ignored;
    if constexpr (kTls) {
      if (Socket().is_open() && !closing_) {
        closing_ = true;
        SetDeadline(kLingerLimit);
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
          self->Close(/*linger=*/false);
        });
        return;
      }
    } else if (linger && !closing_) {
      closing_ = true;
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
      SetDeadline(std::min<Clock::duration>(kLingerLimit, ReadTimeout()));
      return Drain();
    }
    closed_ = true;
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
    timer_.cancel();
  }

  void Drain() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close(/*linger=*/false);
                              self->Drain();
                            });
  }

  ServerState& state_;
  Stream stream_;
  net::steady_timer timer_;
  Clock::time_point deadline_;
  bool timer_pending_ = false;
  bool closing_ = false;  // a graceful close is under way
  bool closed_ = false;
  beast::flat_buffer buffer_;
  HttpRequest request_;  // reused: its strings keep their capacity
  std::optional<HttpRequestParser> parser_;
  bool continue_sent_ = false;
  HttpResponse response_;  // kept until written
  std::string head_;
};

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const HttpServerOptions& options, HttpHandler handler)
      : ioc_(std::max(1, options.threads)), acceptor_(ioc_), accept_retry_(ioc_) {
    state_.options = options;
    state_.handler = std::move(handler);
  }

  ~HttpServerImpl() override {
    Stop();
    Join();
  }

  Status Listen() {
    const HttpServerOptions& o = state_.options;
    if (!o.tls_certificate_pem.empty() || !o.tls_private_key_pem.empty()) {
      TANDEM_RETURN_IF_ERROR(ConfigureTls(o.tls_certificate_pem, o.tls_private_key_pem));
    }
    std::string where = o.listen_host + ":" + std::to_string(o.listen_port);
    beast::error_code ec;
    tcp::endpoint endpoint;
    net::ip::address address = net::ip::make_address(o.listen_host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, o.listen_port);
    } else {
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(o.listen_host, std::to_string(o.listen_port), ec);
      if (ec || results.empty()) {
        return Status::IOError("cannot resolve listen address " + where + ": " + ec.message());
      }
      endpoint = results.begin()->endpoint();
    }
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    spdlog::info("API listening on {}{}", FormatEndpoint(acceptor_.local_endpoint()),
                 tls_ ? " (HTTPS)" : "");
    return Status::Ok();
  }

  void Run() {
    Accept();
    int threads = std::max(1, state_.options.threads);
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception& e) {
            spdlog::error("API server thread caught: {}", e.what());
          }
        }
      });
    }
  }

  uint16_t port() const override { return port_; }

  void Wait() override {
    {
      std::unique_lock lock(mu_);
      stopped_cv_.wait(lock, [this] { return stopped_; });
    }
    Join();
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    ioc_.stop();
    stopped_cv_.notify_all();
  }

 private:
  Status ConfigureTls(const std::string& certificate_pem, const std::string& private_key_pem) {
    if (certificate_pem.empty() || private_key_pem.empty()) {
      return Status::InvalidArgument("TLS needs both a certificate and a private key");
    }
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    tls_->use_certificate_chain(net::buffer(certificate_pem), ec);
    if (ec) return Status::InvalidArgument("TLS certificate is not usable: " + ec.message());
    tls_->use_private_key(net::buffer(private_key_pem), ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("TLS private key is not usable: " + ec.message());
    return Status::Ok();
  }

  void Accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_),
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("API accept failed: {}", ec.message());
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (state_.connections.load(std::memory_order_relaxed) >= state_.options.max_connections) {
      spdlog::debug("API connection cap of {} reached; closing a new connection",
                    state_.options.max_connections);
      socket.close(ec);
      return Accept();
    }
    socket.set_option(tcp::no_delay(true), ec);
    tcp::endpoint remote = socket.remote_endpoint(ec);
    std::string remote_address = ec ? std::string("unknown") : FormatEndpoint(remote);
    if (tls_) {
      using TlsStream = beast::ssl_stream<tcp::socket>;
      std::make_shared<Session<TlsStream>>(state_, TlsStream(std::move(socket), *tls_),
                                           std::move(remote_address))
          ->Start();
    } else {
      std::make_shared<Session<tcp::socket>>(state_, std::move(socket), std::move(remote_address))
          ->Start();
    }
    Accept();
  }

  void Join() {
    std::lock_guard lock(join_mu_);
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    beast::error_code ec;
    acceptor_.close(ec);
  }

  // Declared before the io_context: connections still queued in it when it is
  // destroyed refer to both.
  ServerState state_;
  std::optional<ssl::context> tls_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;

  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  std::mutex join_mu_;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                        HttpHandler handler) {
  auto server = std::make_unique<HttpServerImpl>(options, std::move(handler));
  TANDEM_RETURN_IF_ERROR(server->Listen());
  server->Run();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace tandem::api
