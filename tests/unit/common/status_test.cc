#include "common/status.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status UsesMacro(int x, int* out) {
  auto h = Half(x);
  TANDEM_RETURN_IF_ERROR(h.status());
  *out = *h;
  return Status::Ok();
}

TEST(Status, CarriesCodeAndMessage) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::NotFound("secret x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: secret x");
}

TEST(StatusOr, HoldsValueOrError) {
  EXPECT_EQ(*Half(4), 2);
  auto bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  int out = 0;
  EXPECT_TRUE(UsesMacro(8, &out).ok());
  EXPECT_EQ(out, 4);
  EXPECT_EQ(UsesMacro(5, &out).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tandem
