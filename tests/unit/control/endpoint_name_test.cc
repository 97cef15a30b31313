#include "control/endpoint_name.h"

#include <gtest/gtest.h>

#include <regex>

namespace tandem::control {
namespace {

rds::DbInstance Instance(const std::string& identifier, const std::string& resource_id) {
  rds::DbInstance instance;
  instance.region = "us-west-2";
  instance.identifier = identifier;
  instance.resource_id = resource_id;
  return instance;
}

TEST(EndpointNameTest, HasRdsShapeUnderTandemsDomain) {
  const std::string name = EndpointDnsName(Instance("mydb", "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  EXPECT_TRUE(
      std::regex_match(name, std::regex(R"(mydb\.[a-z0-9]{12}\.us-west-2\.rds\.tandem\.internal)")))
      << name;
}

TEST(EndpointNameTest, StableForAnInstanceDifferentForANewOneOfTheSameName) {
  const auto a = Instance("mydb", "db-AAAAAAAAAAAAAAAAAAAAAAAAAA");
  const auto b = Instance("mydb", "db-BBBBBBBBBBBBBBBBBBBBBBBBBB");
  EXPECT_EQ(EndpointDnsName(a), EndpointDnsName(a));
  EXPECT_NE(EndpointDnsName(a), EndpointDnsName(b));
}

TEST(EndpointNameTest, CertificateNamesCoverLoopbackTheDnsNameAndConfiguredAddresses) {
  const auto instance = Instance("mydb", "db-AAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(CertificateNames(instance, {"db.example.com", "127.0.0.1", "10.1.2.3", ""}),
            (std::vector<std::string>{"localhost", "127.0.0.1", EndpointDnsName(instance),
                                      "db.example.com", "10.1.2.3"}));
}

}  // namespace
}  // namespace tandem::control
