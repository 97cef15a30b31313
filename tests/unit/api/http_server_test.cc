// HttpServer over real sockets: a raw client for exact control of the bytes,
// and a Beast client for TLS.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "crypto/certificate_authority.h"

namespace tandem::api {
namespace {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A blocking HTTP/1.1 client over a plain socket.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }

  // Returns false if the peer has closed or reset the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  std::optional<RawResponse> Read() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse r;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    r.status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(colon + 2);
      pos = next;
    }
    size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // True if the server closes (or resets) the connection within timeout.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    timeval tv{0, 100 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (std::chrono::steady_clock::now() < deadline) {
      char c[4096];
      ssize_t n = ::recv(fd_, c, sizeof c, 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
    }
    return false;
  }

 private:
  bool Fill() {
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string Post(const std::string& body, const std::string& extra_headers = "") {
  return "POST /echo?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.listen_port = 0;
    auto server = HttpServer::Start(options, [this](const HttpRequest& req) {
      ++requests_;
      {
        std::lock_guard lock(mu_);
        last_ = req;
      }
      if (req.Path() == "/throw") throw std::runtime_error("handler bug");
      HttpResponse r;
      r.content_type = "text/plain";
      r.body = req.method + " " + req.target + " " + req.body;
      r.headers.emplace_back("x-amzn-RequestId", "rid-" + std::to_string(requests_.load()));
      r.headers.emplace_back("Bad\r\nHeader", "x");
      r.headers.emplace_back("Content-Length", "999");
      return r;
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server.value());
  }
  HttpRequest Last() {
    std::lock_guard lock(mu_);
    return last_;
  }

  std::unique_ptr<HttpServer> server_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  HttpRequest last_;
};

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("first")));
  auto r1 = c.Read();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(r1->body, "POST /echo?x=1 first");
  EXPECT_EQ(r1->headers["content-type"], "text/plain");
  EXPECT_EQ(r1->headers["x-amzn-requestid"], "rid-1");
  EXPECT_EQ(r1->headers.count("connection"), 0u);
  EXPECT_EQ(r1->headers.count("bad\r\nheader"), 0u);
  EXPECT_EQ(r1->headers["content-length"], "20");

  ASSERT_TRUE(c.Send(Post("second")));
  auto r2 = c.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "POST /echo?x=1 second");
  EXPECT_EQ(r2->headers["x-amzn-requestid"], "rid-2");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(Post("one") + Post("two") + Post("three")));
  for (const char* body : {"one", "two", "three"}) {
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, std::string("POST /echo?x=1 ") + body);
  }
}

TEST_F(HttpServerTest, RequestAsTheHandlerSeesIt) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /a%20b/?q=%E2%82%AC&r HTTP/1.1\r\nHost: localhost:4566\r\nX-Amz-Target:   "
             "secretsmanager.ListSecrets  \r\nX-Multi: 1\r\nx-multi: 2\r\nTransfer-Encoding: "
             "chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  HttpRequest req = Last();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/a%20b/?q=%E2%82%AC&r");
  EXPECT_EQ(req.Path(), "/a%20b/");
  EXPECT_EQ(req.Query(), "q=%E2%82%AC&r");
  ASSERT_NE(req.Header("x-amz-target"), nullptr);
  EXPECT_EQ(*req.Header("x-amz-target"), "secretsmanager.ListSecrets");
  EXPECT_EQ(*req.Header("host"), "localhost:4566");
  EXPECT_EQ(req.body, "{\"a\":1}");
  int multi = 0;
  for (const auto& [name, value] : req.headers) multi += name == "x-multi";
  EXPECT_EQ(multi, 2);
  EXPECT_EQ(req.remote_address.rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpServerTest, OversizeBodyGets413AndClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send(Post(std::string(1024, 'a'))));
    EXPECT_EQ(c.Read()->status, 200);
  }
  {
    RawClient c(server_->port());
    // The header alone announces too much: the answer comes before the body.
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" +
           std::string(64 * 1024, 'a'));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->headers["connection"], "close");
    EXPECT_NE(r->body.find("RequestEntityTooLarge"), std::string::npos);
    EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
  }
  {
    RawClient c(server_->port());
    std::string chunk = "400\r\n" + std::string(1024, 'b') + "\r\n";
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk);
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  EXPECT_EQ(requests_, 1);
}

TEST_F(HttpServerTest, HeaderFloodGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 4096;
  Start(options);
  RawClient c(server_->port());
  std::string flood = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i)
    flood += "X-Flood-" + std::to_string(i) + ": " + std::string(100, 'f') + "\r\n";
  c.Send(flood + "\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpServerTest, SlowClientIsDropped) {
  HttpServerOptions options;
  options.read_timeout_seconds = 1;
  Start(options);
  RawClient c(server_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\n"));
  // Trickling bytes does not extend the deadline.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.Send("X-Slow: 1\r\n");
  }
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::seconds(4));
  EXPECT_EQ(requests_, 0);

  // An idle keep-alive connection is dropped too.
  RawClient idle(server_->port());
  ASSERT_TRUE(idle.Send(Post("x")));
  ASSERT_TRUE(idle.Read());
  EXPECT_TRUE(idle.ClosedWithin(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServingGoesOn) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("\"__type\":\"InternalFailure\""), std::string::npos);
  ASSERT_TRUE(c.Send(Post("after")));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10) {
  Start();
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send(Post("bye", "Connection: close\r\n")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->headers["connection"], "close");
    EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
  }
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
  }
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->headers["connection"], "keep-alive");
    ASSERT_TRUE(c.Send("GET /2 HTTP/1.0\r\n\r\n"));
    EXPECT_EQ(c.Read()->body, "GET /2 ");
  }
}

TEST_F(HttpServerTest, ExpectContinue) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("body"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST / body");
}

TEST_F(HttpServerTest, GarbageGets400) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("HELLO THERE\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, ConnectionCap) {
  HttpServerOptions options;
  options.max_connections = 1;
  Start(options);
  RawClient first(server_->port());
  ASSERT_TRUE(first.Send(Post("x")));
  ASSERT_TRUE(first.Read());
  RawClient second(server_->port());
  EXPECT_TRUE(second.ClosedWithin(std::chrono::seconds(5)));
  // The first connection is unaffected.
  ASSERT_TRUE(first.Send(Post("y")));
  EXPECT_EQ(first.Read()->status, 200);
}

TEST_F(HttpServerTest, AddressInUse) {
  Start();
  HttpServerOptions options;
  options.listen_port = server_->port();
  auto second = HttpServer::Start(options, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError);
}

TEST_F(HttpServerTest, WaitReturnsAfterStop) {
  Start();
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    server_->Wait();
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(returned);
  server_->Stop();
  waiter.join();
  EXPECT_TRUE(returned);
  server_.reset();
}

TEST(HttpServerTls, ServesHttpsWithTheCaCertificate) {
  namespace beast = boost::beast;
  namespace net = boost::asio;
  namespace ssl = net::ssl;

  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tandem-tls-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  crypto::MasterKey master = crypto::MasterKey::FromBytes(std::string(32, 'k'));
  auto ca = crypto::CertificateAuthority::LoadOrCreate((dir / "ca").string(), master);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  auto issued = (*ca)->IssueServerCertificate("localhost", {"localhost", "127.0.0.1"});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();

  HttpServerOptions options;
  options.listen_port = 0;
  options.tls_certificate_pem = issued->certificate_pem;
  options.tls_private_key_pem = issued->private_key_pem;
  auto server = HttpServer::Start(options, [](const HttpRequest& req) {
    return HttpResponse{200, "text/plain", "secure " + req.body, {}};
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.add_certificate_authority(net::buffer((*ca)->ca_certificate_pem()));
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(stream).connect({net::ip::make_address("127.0.0.1"), (*server)->port()});
  stream.handshake(ssl::stream_base::client);
  EXPECT_GE(SSL_version(stream.native_handle()), TLS1_2_VERSION);

  for (const char* body : {"one", "two"}) {  // keep-alive over TLS
    beast::http::request<beast::http::string_body> req{beast::http::verb::post, "/", 11};
    req.set(beast::http::field::host, "localhost");
    req.body() = body;
    req.prepare_payload();
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), std::string("secure ") + body);
  }

  // Plain HTTP to the HTTPS port gets nowhere.
  RawClient plain((*server)->port());
  plain.Send(Post("x"));
  EXPECT_FALSE(plain.Read().has_value());

  std::filesystem::remove_all(dir);
}

TEST(HttpServerTls, HalfConfiguredTlsIsRefused) {
  HttpServerOptions options;
  options.listen_port = 0;
  options.tls_certificate_pem = "-----BEGIN CERTIFICATE-----\n";
  auto server = HttpServer::Start(options, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Status::Code::kInvalidArgument);
  options.tls_private_key_pem = "junk";
  server = HttpServer::Start(options, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tandem::api
