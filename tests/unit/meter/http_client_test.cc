#include "meter/http_client.h"

#include <gtest/gtest.h>

namespace tandem::meter {
namespace {

TEST(HttpUrlTest, ParsesTheEndpointForms) {
  auto local = ParseHttpUrl("http://127.0.0.1:4566");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 4566);
  EXPECT_EQ(local->path, "/");
  EXPECT_EQ(local->HostHeader(), "127.0.0.1:4566");

  auto aws = ParseHttpUrl("https://secretsmanager.us-east-1.amazonaws.com");
  ASSERT_TRUE(aws.ok());
  EXPECT_TRUE(aws->tls);
  EXPECT_EQ(aws->port, 443);
  EXPECT_EQ(aws->HostHeader(), "secretsmanager.us-east-1.amazonaws.com");

  auto with_path = ParseHttpUrl("https://localhost:4566/prefix/");
  ASSERT_TRUE(with_path.ok());
  EXPECT_EQ(with_path->path, "/prefix/");
  EXPECT_EQ(with_path->ToString(), "https://localhost:4566/prefix/");
}

TEST(HttpUrlTest, RefusesWhatIsNotAnHttpUrl) {
  EXPECT_FALSE(ParseHttpUrl("127.0.0.1:4566").ok());
  EXPECT_FALSE(ParseHttpUrl("ftp://host").ok());
  EXPECT_FALSE(ParseHttpUrl("http://:80").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:0").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:99999").ok());
  EXPECT_FALSE(ParseHttpUrl("http://host:8o").ok());
}

}  // namespace
}  // namespace tandem::meter
