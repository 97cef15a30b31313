// The kernel path, for real: nftables DNAT and conntrack, each test inside a
// network namespace it creates (network_namespace.h). Every test also checks
// that the host's own ruleset is the same after it as before.
#include "proxy/nftables_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nftables/libnftables.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "network_namespace.h"
#include "proxy/endpoint.h"
#include "proxy/nat_table.h"
#include "test_sockets.h"

namespace tandem::proxy {
namespace {

using namespace std::chrono_literals;
using testing::Connect;
using testing::EchoServer;
using testing::Ending;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadLine;
using testing::SendAll;
using testing::WaitForEnd;

constexpr uint16_t kEndpointPort = 3306;

// Runs nft commands in the current network namespace; nullopt on failure.
// Stateless output (no counter values), so listings taken apart compare.
std::optional<std::string> Nft(const std::string& commands) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_STATELESS);
  int rc = nft_run_cmd_from_buffer(ctx, commands.c_str());
  std::optional<std::string> out;
  if (rc == 0) out = nft_ctx_get_output_buffer(ctx);
  nft_ctx_free(ctx);
  return out;
}

std::unique_ptr<Endpoint> OpenKernelEndpoint(uint16_t port = kEndpointPort,
                                             std::string advertised = "") {
  EndpointOptions options;
  options.port = port;
  options.advertised_address = std::move(advertised);
  auto endpoint = OpenEndpoint(options);  // no mechanism named: the kernel path must win here
  EXPECT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  if (!endpoint.ok()) return nullptr;
  EXPECT_EQ((*endpoint)->Describe().mechanism, Mechanism::kKernel);
  return std::move(*endpoint);
}

std::string TandemTable() {
  auto table = NatTable::Open();
  if (!table.ok()) return "";
  auto listing = (*table)->List();
  return listing.ok() ? *listing : "";
}

class NftablesEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ruleset_ = Nft("list ruleset");
    if (!host_ruleset_) GTEST_SKIP() << "cannot read nftables here (needs root / CAP_NET_ADMIN)";
  }

  void TearDown() override {
    if (host_ruleset_) {
      EXPECT_EQ(Nft("list ruleset"), host_ruleset_) << "the host's ruleset changed";
    }
  }

  // Runs body in a fresh network namespace where the kernel path works.
  void InNamespace(const std::function<void()>& body) {
    int rc = testing::RunInNewNetworkNamespace([&] {
      Status available = KernelPathAvailable();
      if (!available.ok()) {
        std::fprintf(stderr, "%s\n", available.ToString().c_str());
        std::fflush(stderr);
        ::_exit(testing::kSkipped);
      }
      body();
    });
    if (rc == testing::kSkipped) GTEST_SKIP() << "no network namespace or nftables NAT here";
    EXPECT_EQ(rc, 0) << "failed inside the test's network namespace (messages above)";
  }

  std::optional<std::string> host_ruleset_;
};

TEST_F(NftablesEndpointTest, RoutesToTheNodeAndSwitchesAtomically) {
  InNamespace([] {
    EchoServer a("node-a");
    EchoServer b("node-b");
    auto endpoint = OpenKernelEndpoint(kEndpointPort, "127.0.0.2");
    ASSERT_NE(endpoint, nullptr);
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    EXPECT_EQ(endpoint->Describe().ToString(), "127.0.0.1:3306 and 127.0.0.2:3306 -> 127.0.0.1:" +
                                                   std::to_string(a.port()) + " (kernel DNAT)");

    auto old = Connect(kEndpointPort);
    ASSERT_TRUE(old.valid());
    EXPECT_EQ(ReadLine(old.get()), "node-a");
    ASSERT_TRUE(SendAll(old.get(), "ping\n"));
    EXPECT_EQ(ReadLine(old.get()), "ping");
    auto advertised = Connect(kEndpointPort, "127.0.0.2");
    EXPECT_EQ(ReadLine(advertised.get()), "node-a") << "the advertised address routes too";
    EXPECT_EQ(endpoint->Describe().relayed_connections, 0u) << "routed by the kernel, not tandemd";
    auto replication = Connect(a.port());  // to the node, not through the endpoint
    EXPECT_EQ(ReadLine(replication.get()), "node-a");

    ASSERT_TRUE(endpoint->PointAt(b.port()).ok());
    // The connection to A is reset at once, though its client only waits.
    EXPECT_EQ(WaitForEnd(old.get(), 2s), Ending::kReset);
    EXPECT_EQ(WaitForEnd(advertised.get(), 2s), Ending::kReset);
    auto fresh = Connect(kEndpointPort);
    EXPECT_EQ(ReadLine(fresh.get()), "node-b");
    EXPECT_EQ(a.accepted(), 3);
    ASSERT_TRUE(SendAll(replication.get(), "untouched\n"));
    EXPECT_EQ(ReadLine(replication.get()), "untouched") << "only endpoint connections are reset";

    // Pointing at the current node again keeps its connections.
    ASSERT_TRUE(endpoint->PointAt(b.port()).ok());
    ASSERT_TRUE(SendAll(fresh.get(), "still there?\n"));
    EXPECT_EQ(ReadLine(fresh.get()), "still there?");
    EXPECT_TRUE(endpoint->Close().ok());
  });
}

// Two clients on the same local port, one to each endpoint address: after
// DNAT both would be 127.0.0.1:P -> node, so conntrack gives one of them
// another port. Both must still be found and reset.
TEST_F(NftablesEndpointTest, ResetsClientsWhosePortsConntrackRemapped) {
  InNamespace([] {
    EchoServer a("node-a");
    EchoServer b("node-b");
    auto endpoint = OpenKernelEndpoint(kEndpointPort, "127.0.0.2");
    ASSERT_NE(endpoint, nullptr);
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    auto first = Connect(kEndpointPort, "127.0.0.1", 0, 45000);
    auto second = Connect(kEndpointPort, "127.0.0.2", 0, 45000);
    ASSERT_TRUE(first.valid() && second.valid());
    EXPECT_EQ(ReadLine(first.get()), "node-a");
    EXPECT_EQ(ReadLine(second.get()), "node-a");
    ASSERT_TRUE(endpoint->PointAt(b.port()).ok());
    EXPECT_EQ(WaitForEnd(first.get(), 2s), Ending::kReset);
    EXPECT_EQ(WaitForEnd(second.get(), 2s), Ending::kReset);
  });
}

TEST_F(NftablesEndpointTest, HoldParksInTandemdAndPointAtReleases) {
  InNamespace([] {
    EchoServer a("node-a");
    EchoServer b("node-b");
    auto endpoint = OpenKernelEndpoint();
    ASSERT_NE(endpoint, nullptr);
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    auto before = Connect(kEndpointPort);
    ASSERT_EQ(ReadLine(before.get()), "node-a");

    ASSERT_TRUE(endpoint->Hold().ok());
    EXPECT_EQ(WaitForEnd(before.get(), 2s), Ending::kReset) << "Hold leaves the old node";
    EXPECT_THAT(TandemTable(), HasSubstr("127.0.0.1 . 3306 : 127.0.0.1 . 3306"))
        << "held: the route points at tandemd's own listener";
    auto parked = Connect(kEndpointPort);
    ASSERT_TRUE(parked.valid()) << "held connections are accepted, not refused";
    EXPECT_EQ(WaitForEnd(parked.get(), 300ms), Ending::kTimeout);
    EXPECT_TRUE(endpoint->Describe().held);
    EXPECT_EQ(endpoint->Describe().held_connections, 1u);

    ASSERT_TRUE(endpoint->PointAt(b.port()).ok());
    EXPECT_EQ(ReadLine(parked.get()), "node-b");
    ASSERT_TRUE(SendAll(parked.get(), "released\n"));
    EXPECT_EQ(ReadLine(parked.get()), "released");
    EXPECT_EQ(a.accepted(), 1);
    // The released connection stays relayed by tandemd; new ones bypass it.
    auto direct = Connect(kEndpointPort);
    EXPECT_EQ(ReadLine(direct.get()), "node-b");
    EXPECT_EQ(endpoint->Describe().relayed_connections, 1u);
    EXPECT_TRUE(endpoint->Close().ok());
  });
}

TEST_F(NftablesEndpointTest, CloseRemovesTheRouteAndTheTableWithTheLast) {
  InNamespace([] {
    EchoServer a("node-a");
    auto first = OpenKernelEndpoint(3306);
    auto second = OpenKernelEndpoint(3307);
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(first->PointAt(a.port()).ok());
    ASSERT_TRUE(second->PointAt(a.port()).ok());
    auto connected = Connect(3306);
    ASSERT_EQ(ReadLine(connected.get()), "node-a");

    ASSERT_TRUE(first->Close().ok());
    EXPECT_EQ(WaitForEnd(connected.get(), 2s), Ending::kReset) << "Close ends its connections";
    std::string table = TandemTable();
    EXPECT_THAT(table, Not(HasSubstr(". 3306 :")));
    EXPECT_THAT(table, HasSubstr("127.0.0.1 . 3307 : 127.0.0.1 . " + std::to_string(a.port())));
    EXPECT_FALSE(Connect(3306).valid()) << "nothing routes or listens on a closed endpoint";
    auto still = Connect(3307);
    EXPECT_EQ(ReadLine(still.get()), "node-a");
    EXPECT_EQ(first->PointAt(a.port()).code(), Status::Code::kUnavailable);

    ASSERT_TRUE(second->Close().ok());
    auto nat = NatTable::Open();
    ASSERT_TRUE(nat.ok());
    EXPECT_EQ((*nat)->List().status().code(), Status::Code::kNotFound) << "the table goes too";
  });
}

TEST_F(NftablesEndpointTest, KeepsRoutingWhileTandemdIsDownAndIsAdoptedAfter) {
  InNamespace([] {
    EchoServer a("node-a");
    EchoServer b("node-b");
    auto endpoint = OpenKernelEndpoint();
    ASSERT_NE(endpoint, nullptr);
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    endpoint.reset();  // tandemd stops; the kernel route stays

    auto during = Connect(kEndpointPort);
    ASSERT_TRUE(during.valid());
    EXPECT_EQ(ReadLine(during.get()), "node-a");

    endpoint = OpenKernelEndpoint();  // tandemd restarted
    ASSERT_NE(endpoint, nullptr);
    EXPECT_EQ(endpoint->Describe().node_port, a.port());
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());  // the reconciler's idempotent call
    ASSERT_TRUE(SendAll(during.get(), "kept\n"));
    EXPECT_EQ(ReadLine(during.get()), "kept");
    ASSERT_TRUE(endpoint->PointAt(b.port()).ok());
    EXPECT_EQ(WaitForEnd(during.get(), 2s), Ending::kReset);

    // A hold is adopted too.
    ASSERT_TRUE(endpoint->Hold().ok());
    endpoint.reset();
    endpoint = OpenKernelEndpoint();
    ASSERT_NE(endpoint, nullptr);
    EXPECT_TRUE(endpoint->Describe().held);
    auto parked = Connect(kEndpointPort);
    ASSERT_TRUE(parked.valid());
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    EXPECT_EQ(ReadLine(parked.get()), "node-a");
    EXPECT_TRUE(endpoint->Close().ok());
  });
}

TEST_F(NftablesEndpointTest, LeavesEveryOtherTableAlone) {
  InNamespace([] {
    ASSERT_TRUE(
        Nft("add table inet other\n"
            "add chain inet other out { type filter hook output priority 0 ; }\n"
            "add rule inet other out tcp dport 9 accept\n"
            "add table ip nat\n"
            "add chain ip nat OUTPUT { type nat hook output priority -100 ; }\n"
            "add rule ip nat OUTPUT tcp dport 9 dnat to 127.0.0.1:10\n"));
    auto others = [] {
      return Nft("list table inet other").value_or("?") + Nft("list table ip nat").value_or("?");
    };
    std::string before = others();
    ASSERT_THAT(before, HasSubstr("dnat to 127.0.0.1:10"));

    EchoServer a("node-a");
    auto endpoint = OpenKernelEndpoint();
    ASSERT_NE(endpoint, nullptr);
    ASSERT_TRUE(endpoint->PointAt(a.port()).ok());
    auto c = Connect(kEndpointPort);
    EXPECT_EQ(ReadLine(c.get()), "node-a");
    ASSERT_TRUE(endpoint->Hold().ok());
    ASSERT_TRUE(endpoint->Close().ok());
    EXPECT_EQ(others(), before);
  });
}

TEST_F(NftablesEndpointTest, RefusesAPortThatIsTaken) {
  InNamespace([] {
    EchoServer taken("someone-else");
    EndpointOptions options;
    options.port = taken.port();
    auto endpoint = OpenEndpoint(options, Mechanism::kKernel);
    ASSERT_FALSE(endpoint.ok());
    EXPECT_EQ(endpoint.status().code(), Status::Code::kUnavailable);
    EXPECT_THAT(endpoint.status().message(), HasSubstr("in use by another process"));
    EXPECT_EQ(TandemTable(), "") << "nothing left behind";
  });
}

// The user-space proxy, when its connect to the node fails at once rather
// than later: here no local port is left for it (the namespace has a single
// ephemeral port, already used towards the node), so connect returns
// EADDRNOTAVAIL.
TEST_F(NftablesEndpointTest, UserSpaceProxyClosesClientsWhenConnectFailsAtOnce) {
  InNamespace([] {
    EchoServer a("node-a");
    std::FILE* range = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
    ASSERT_NE(range, nullptr);
    std::fputs("40000 40000", range);
    ASSERT_EQ(std::fclose(range), 0);
    auto blocker = Connect(a.port());
    ASSERT_EQ(ReadLine(blocker.get()), "node-a");

    EndpointOptions options;
    options.port = kEndpointPort;
    options.loops = 1;
    auto proxy = OpenEndpoint(options, Mechanism::kUserSpace);
    ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
    ASSERT_TRUE((*proxy)->PointAt(a.port()).ok());
    for (int i = 0; i < 3; ++i) {
      auto c = Connect((*proxy)->Describe().port);
      ASSERT_TRUE(c.valid());
      EXPECT_EQ(WaitForEnd(c.get(), 2s), Ending::kReset);
    }
    EXPECT_EQ(a.accepted(), 1);
    EndpointDescription d = (*proxy)->Describe();
    EXPECT_EQ(d.relayed_connections, 0u);
    EXPECT_EQ(d.held_connections, 0u);
  });
}

}  // namespace
}  // namespace tandem::proxy
