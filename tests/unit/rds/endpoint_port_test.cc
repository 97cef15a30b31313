// Endpoint port choice: first free from first_port, explicit ports honoured
// or refused naming who holds them, and the real bind probe.
#include "rds/endpoint_port.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

namespace tandem::rds {
namespace {

PortProbe BusyPorts(std::set<uint16_t> busy) {
  return [busy](uint16_t port) { return busy.count(port) == 0; };
}

TEST(EndpointPort, FirstFreeFromFirstPort) {
  EXPECT_EQ(ChooseEndpointPort({}, 3306, 0, BusyPorts({})).value(), 3306);
  EXPECT_EQ(ChooseEndpointPort({{3306, "a"}, {3307, "b"}}, 3306, 0, BusyPorts({})).value(), 3308);
  EXPECT_EQ(ChooseEndpointPort({{3306, "a"}}, 3306, 0, BusyPorts({3307, 3308})).value(), 3309);
}

TEST(EndpointPort, ExplicitPortHonouredOrRefused) {
  EXPECT_EQ(ChooseEndpointPort({{3306, "a"}}, 3306, 4000, BusyPorts({})).value(), 4000);
  auto taken = ChooseEndpointPort({{3306, "mydb"}}, 3306, 3306, BusyPorts({}));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, "InvalidParameterValue");
  EXPECT_EQ(taken.error().message,
            "Port 3306 is in use by DB instance mydb; choose another Port or omit it");
  auto busy = ChooseEndpointPort({}, 3306, 5000, BusyPorts({5000}));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().message,
            "Port 5000 is in use by another process; choose another Port or omit it");
}

TEST(EndpointPort, NoneLeft) {
  auto none = ChooseEndpointPort({{65535, "a"}}, 65534, 0, BusyPorts({65534}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "InvalidParameterValue");
}

TEST(EndpointPort, RealProbeSeesAListener) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  uint16_t port = ntohs(addr.sin_port);
  EXPECT_FALSE(CanBindLoopback(port));
  auto chosen = ChooseEndpointPort({}, port, 0, CanBindLoopback);
  ASSERT_TRUE(chosen.ok());
  EXPECT_NE(*chosen, port);
  close(fd);
  EXPECT_TRUE(CanBindLoopback(port));
}

}  // namespace
}  // namespace tandem::rds
