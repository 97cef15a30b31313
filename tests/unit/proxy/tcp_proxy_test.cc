// The user-space endpoint against real sockets on 127.0.0.1.
#include "proxy/tcp_proxy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test_sockets.h"

namespace tandem::proxy {
namespace {

using namespace std::chrono_literals;
using testing::Connect;
using testing::EchoServer;
using testing::Ending;
using ::testing::HasSubstr;
using testing::ReadExactly;
using testing::ReadLine;
using testing::SendAll;
using testing::WaitForEnd;

std::unique_ptr<TcpProxy> OpenProxy(EndpointOptions options = {}) {
  auto proxy = TcpProxy::Open(options);
  EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
  return proxy.ok() ? std::move(*proxy) : nullptr;
}

uint16_t PortOf(const Endpoint& e) { return e.Describe().port; }

// Bytes that differ at every offset, so a lost, repeated or reordered chunk
// shows.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) & 0xff);
  return s;
}

TEST(TcpProxyTest, RelaysBytesBothWays) {
  EchoServer node("node-a");
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(node.port()).ok());
  auto c = Connect(PortOf(*proxy));
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(ReadLine(c.get()), "node-a");
  ASSERT_TRUE(SendAll(c.get(), "select 1;\n"));
  EXPECT_EQ(ReadExactly(c.get(), 10), "select 1;\n");
  EXPECT_EQ(proxy->Describe().relayed_connections, 1u);
}

// Sends `total` pattern bytes on fd from a thread, counting what was written.
class PatternWriter {
 public:
  PatternWriter(int fd, size_t total) : fd_(fd), sent_(Pattern(total)) {
    thread_ = std::thread([this] {
      size_t off = 0;
      while (off < sent_.size()) {
        ssize_t n = ::send(fd_, sent_.data() + off, std::min<size_t>(64 * 1024, sent_.size() - off),
                           MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
        written_ = off;
      }
    });
  }
  ~PatternWriter() { thread_.join(); }
  size_t written() const { return written_.load(); }
  const std::string& sent() const { return sent_; }

 private:
  int fd_;
  std::string sent_;
  std::atomic<size_t> written_{0};
  std::thread thread_;
};

// Reads n bytes in reads of at most `chunk`, pausing `pause` after each.
std::string ReadAll(int fd, size_t n, size_t chunk, std::chrono::microseconds pause) {
  std::string received;
  received.reserve(n);
  std::vector<char> buf(chunk);
  while (received.size() < n) {
    ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
    if (r <= 0) break;
    received.append(buf.data(), static_cast<size_t>(r));
    if (pause > 0us) std::this_thread::sleep_for(pause);
  }
  return received;
}

TEST(TcpProxyTest, TenMegabytesThroughAndBackToASlowReader) {
  EchoServer node({"", "", 64 * 1024});
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(node.port()).ok());
  auto c = Connect(PortOf(*proxy), "127.0.0.1", 64 * 1024);
  ASSERT_TRUE(c.valid());
  constexpr size_t kTotal = 10 * 1024 * 1024;
  PatternWriter writer(c.get(), kTotal);
  // A slow reader: 16 KB a millisecond at most, so the writer is held back
  // by backpressure most of the way.
  std::string received = ReadAll(c.get(), kTotal, 16 * 1024, 1000us);
  ASSERT_EQ(received.size(), kTotal);
  EXPECT_TRUE(received == writer.sent()) << "the bytes came back changed";
}

TEST(TcpProxyTest, StopsReadingAClientWhileItsPeerDoesNotRead) {
  EchoServer node({"", "", 64 * 1024});
  EndpointOptions options;
  options.loops = 1;
  auto proxy = OpenProxy(options);
  ASSERT_TRUE(proxy->PointAt(node.port()).ok());
  auto c = Connect(PortOf(*proxy), "127.0.0.1", 64 * 1024);
  ASSERT_TRUE(c.valid());

  // Nobody reads the echo. A proxy that kept reading would take all 64 MB at
  // once; this one fills its fixed buffers, stops reading, and the writer
  // stalls once the kernel's socket buffers on the way are full (about 10 MB
  // here, mostly the proxy's own sockets, autotuned).
  constexpr size_t kTotal = 64 * 1024 * 1024;
  PatternWriter writer(c.get(), kTotal);
  // Waits for the writer to stall (under 256 KB in 200 ms; the kernel
  // compacts full receive queues and reopens a little window now and then).
  size_t before = 0;
  size_t now = 0;
  for (int i = 0; i < 25; ++i) {
    std::this_thread::sleep_for(200ms);
    now = writer.written();
    if (now - before < 256 * 1024) break;
    before = now;
  }
  EXPECT_LT(now - before, 256u * 1024) << "the writer never stalled";
  EXPECT_LT(now, 40u * 1024 * 1024) << "the proxy took far more than its buffers hold";

  // Reading resumes the flow, and every byte arrives intact.
  std::string received = ReadAll(c.get(), kTotal, 64 * 1024, 0us);
  ASSERT_EQ(received.size(), kTotal);
  EXPECT_TRUE(received == writer.sent()) << "the bytes came back changed";
}

TEST(TcpProxyTest, RelaysHalfClose) {
  EchoServer node({"", "bye after your EOF\n", 0});
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(node.port()).ok());
  auto c = Connect(PortOf(*proxy));
  ASSERT_TRUE(SendAll(c.get(), "last words\n"));
  ASSERT_EQ(::shutdown(c.get(), SHUT_WR), 0);
  // The client's direction is closed; the node's still carries the echo and
  // what the node sends after seeing EOF, then the node's own EOF.
  EXPECT_EQ(ReadLine(c.get()), "last words");
  EXPECT_EQ(ReadLine(c.get()), "bye after your EOF");
  EXPECT_EQ(WaitForEnd(c.get(), 2s), Ending::kEof);
}

TEST(TcpProxyTest, ManyConcurrentConnections) {
  EchoServer node("node-a");
  EndpointOptions options;
  options.loops = 2;
  auto proxy = OpenProxy(options);
  ASSERT_TRUE(proxy->PointAt(node.port()).ok());
  constexpr int kClients = 200;
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect(PortOf(*proxy)));
    ASSERT_TRUE(clients.back().valid()) << "connection " << i;
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      int fd = clients[i].get();
      if (ReadLine(fd) != "node-a") return;
      for (int round = 0; round < 20; ++round) {
        std::string msg = "client " + std::to_string(i) + " round " + std::to_string(round) + "\n";
        if (!SendAll(fd, msg) || ReadExactly(fd, msg.size()) != msg) return;
      }
      ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_EQ(proxy->Describe().relayed_connections, static_cast<size_t>(kClients));
  clients.clear();
  for (int i = 0; i < 200 && proxy->Describe().relayed_connections > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(proxy->Describe().relayed_connections, 0u) << "closed connections were not freed";
}

TEST(TcpProxyTest, PointAtSwitchesNewConnectionsAndResetsOldOnes) {
  EchoServer a("node-a");
  EchoServer b("node-b");
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  auto old = Connect(PortOf(*proxy));
  ASSERT_EQ(ReadLine(old.get()), "node-a");

  // Pointing at the same node again keeps its connections.
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  ASSERT_TRUE(SendAll(old.get(), "still there?\n"));
  EXPECT_EQ(ReadLine(old.get()), "still there?");

  ASSERT_TRUE(proxy->PointAt(b.port()).ok());
  // The old connection is reset at once, while the client waits for a reply.
  EXPECT_EQ(WaitForEnd(old.get(), 2s), Ending::kReset);
  auto fresh = Connect(PortOf(*proxy));
  EXPECT_EQ(ReadLine(fresh.get()), "node-b");
  EXPECT_EQ(proxy->Describe().node_port, b.port());
}

TEST(TcpProxyTest, HoldParksNewConnectionsAndPointAtReleasesThem) {
  EchoServer a("node-a");
  EchoServer b("node-b");
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  auto before = Connect(PortOf(*proxy));
  ASSERT_EQ(ReadLine(before.get()), "node-a");

  ASSERT_TRUE(proxy->Hold().ok());
  EXPECT_EQ(WaitForEnd(before.get(), 2s), Ending::kReset) << "Hold leaves the old node";
  auto parked = Connect(PortOf(*proxy));
  ASSERT_TRUE(parked.valid()) << "held connections are accepted, not refused";
  // Sent while parked: kept for the node.
  ASSERT_TRUE(SendAll(parked.get(), "early\n"));
  EXPECT_EQ(WaitForEnd(parked.get(), 300ms), Ending::kTimeout);
  EndpointDescription held = proxy->Describe();
  EXPECT_TRUE(held.held);
  EXPECT_EQ(held.held_connections, 1u);
  EXPECT_THAT(held.ToString(), HasSubstr("held: 1 connection waiting"));

  ASSERT_TRUE(proxy->PointAt(b.port()).ok());
  EXPECT_EQ(ReadLine(parked.get()), "node-b");
  EXPECT_EQ(ReadLine(parked.get()), "early");
  EXPECT_EQ(a.accepted(), 1) << "the parked connection must not go to the old node";
  EXPECT_EQ(proxy->Describe().held_connections, 0u);
}

TEST(TcpProxyTest, HoldBoundClosesConnectionsThatWaitTooLong) {
  EchoServer a("node-a");
  EndpointOptions options;
  options.hold_bound = 300ms;
  auto proxy = OpenProxy(options);
  ASSERT_TRUE(proxy->Hold().ok());
  auto start = std::chrono::steady_clock::now();
  auto parked = Connect(PortOf(*proxy));
  ASSERT_TRUE(parked.valid());
  EXPECT_EQ(WaitForEnd(parked.get(), 3s), Ending::kEof);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 2s);
  EXPECT_EQ(proxy->Describe().held_connections, 0u);
  // Still held: later connections wait too, and the next PointAt releases them.
  auto later = Connect(PortOf(*proxy));
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  EXPECT_EQ(ReadLine(later.get()), "node-a");
}

TEST(TcpProxyTest, ClientThatGivesUpWhileParkedIsNotHandedToTheNode) {
  EchoServer a("node-a");
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->Hold().ok());
  auto parked = Connect(PortOf(*proxy));
  for (int i = 0; i < 200 && proxy->Describe().held_connections == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  parked.reset();
  for (int i = 0; i < 200 && proxy->Describe().held_connections > 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(proxy->Describe().held_connections, 0u);
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(a.accepted(), 0);
}

TEST(TcpProxyTest, NotPointedOrNodeDownClosesClientsAtOnce) {
  auto proxy = OpenProxy();
  auto early = Connect(PortOf(*proxy));
  EXPECT_EQ(WaitForEnd(early.get(), 2s), Ending::kEof);
  EXPECT_THAT(proxy->Describe().ToString(), HasSubstr("not pointed"));

  uint16_t dead_port;
  {
    EchoServer gone("gone");
    dead_port = gone.port();
  }
  ASSERT_TRUE(proxy->PointAt(dead_port).ok());
  auto c = Connect(PortOf(*proxy));
  EXPECT_EQ(WaitForEnd(c.get(), 2s), Ending::kReset);
}

TEST(TcpProxyTest, CloseResetsConnectionsAndFreesThePort) {
  EchoServer a("node-a");
  auto proxy = OpenProxy();
  uint16_t port = PortOf(*proxy);
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  auto c = Connect(port);
  ASSERT_EQ(ReadLine(c.get()), "node-a");
  ASSERT_TRUE(proxy->Close().ok());
  EXPECT_EQ(WaitForEnd(c.get(), 2s), Ending::kReset);
  EXPECT_FALSE(Connect(port).valid()) << "nothing listens after Close";
  EXPECT_EQ(proxy->PointAt(a.port()).code(), Status::Code::kUnavailable);
  EXPECT_TRUE(proxy->Close().ok());

  EndpointOptions again;
  again.port = port;
  again.loops = 2;
  EXPECT_TRUE(TcpProxy::Open(again).ok()) << "the port is free again";
}

TEST(TcpProxyTest, RefusesBadOptionsAndTakenPorts) {
  auto first = OpenProxy();
  EndpointOptions taken;
  taken.port = PortOf(*first);
  for (int loops : {1, 2}) {
    taken.loops = loops;
    auto second = TcpProxy::Open(taken);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
    EXPECT_THAT(second.status().message(), HasSubstr("in use by another process"));
  }

  EndpointOptions bad;
  bad.advertised_address = "my-host";
  EXPECT_EQ(TcpProxy::Open(bad).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(first->PointAt(0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(first->PointAt(PortOf(*first)).code(), Status::Code::kInvalidArgument);
}

TEST(TcpProxyTest, DescribeSaysWhereItPoints) {
  EchoServer a("node-a");
  auto proxy = OpenProxy();
  ASSERT_TRUE(proxy->PointAt(a.port()).ok());
  EndpointDescription d = proxy->Describe();
  EXPECT_EQ(d.mechanism, Mechanism::kUserSpace);
  EXPECT_EQ(d.ToString(), "127.0.0.1:" + std::to_string(d.port) + " -> 127.0.0.1:" +
                              std::to_string(a.port()) + " (user-space proxy, 0 connections)");
}

}  // namespace
}  // namespace tandem::proxy
