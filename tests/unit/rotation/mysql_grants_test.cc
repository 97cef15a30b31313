// CloneGrantStatements and BuiltinName: text in, text out, no server.
#include "rotation/mysql_grants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rotation/builtin_rotators.h"

namespace tandem::rotation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(CloneGrantStatementsTest, RewritesTheGranteeAndKeepsOptionsButNotAuthentication) {
  const std::string from = QuotedAccount("app", "%");
  const std::string to = QuotedAccount("app_clone", "%");
  EXPECT_EQ(from, "`app`@`%`");
  auto statements = CloneGrantStatements(
      {"GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD "
       "'*0123456789ABCDEF0123456789ABCDEF01234567' REQUIRE SSL",
       "GRANT SELECT, INSERT ON `appdb`.* TO `app`@`%`",
       "GRANT SELECT ON `weird TO ``app``@``%```.* TO `app`@`%` WITH GRANT OPTION",
       "GRANT SELECT (`a`, `b`) ON `appdb`.`t` TO `app`@`%`",
       "GRANT `reader` TO `app`@`%` WITH ADMIN OPTION", "SET DEFAULT ROLE `reader` FOR `app`@`%`"},
      from, to);
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  EXPECT_THAT(*statements,
              ElementsAre("GRANT USAGE ON *.* TO `app_clone`@`%`",
                          "GRANT SELECT, INSERT ON `appdb`.* TO `app_clone`@`%`",
                          "GRANT SELECT ON `weird TO ``app``@``%```.* TO `app_clone`@`%` WITH "
                          "GRANT OPTION",
                          "GRANT SELECT (`a`, `b`) ON `appdb`.`t` TO `app_clone`@`%`",
                          "GRANT `reader` TO `app_clone`@`%` WITH ADMIN OPTION",
                          "SET DEFAULT ROLE `reader` FOR `app_clone`@`%`"));
}

TEST(CloneGrantStatementsTest, RefusesLinesItCannotReadWithoutQuotingThem) {
  const std::string from = QuotedAccount("app", "%");
  auto other = CloneGrantStatements({"GRANT SELECT ON *.* TO `application`@`%`"}, from, "x");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("line 1"));
  auto odd = CloneGrantStatements(
      {"GRANT USAGE ON *.* TO `app`@`%`", "REVOKE '*SECRETHASH' FROM `app`@`%`"}, from, "x");
  ASSERT_FALSE(odd.ok());
  EXPECT_THAT(odd.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(odd.status().message(), Not(HasSubstr("SECRETHASH")));
}

TEST(BuiltinNameTest, AnyRegionAndAccountButOnlyTheDocumentedNames) {
  EXPECT_EQ(BuiltinRotators::BuiltinName(
                "arn:aws:lambda:us-west-2:000000000000:function:tandem-mysql-single-user"),
            kSingleUserRotator);
  EXPECT_EQ(BuiltinRotators::BuiltinName(
                "arn:aws:lambda:eu-central-1:123456789012:function:tandem-mysql-alternating-users"),
            kAlternatingUsersRotator);
  EXPECT_EQ(
      BuiltinRotators::BuiltinName("arn:aws:lambda:us-west-2:000000000000:function:my-own-rotator"),
      "");
  EXPECT_EQ(BuiltinRotators::BuiltinName(
                "arn:aws:lambda:us-west-2:000000000000:layer:tandem-mysql-single-user"),
            "");
  EXPECT_EQ(BuiltinRotators::BuiltinName(
                "arn:aws:lambda:us-west-2:000000000000:function:tandem-mysql-single-user:1"),
            "");
  EXPECT_EQ(BuiltinRotators::BuiltinName("tandem-mysql-single-user"), "");
}

}  // namespace
}  // namespace tandem::rotation
