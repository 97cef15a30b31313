#include "secrets/secret_cache.h"

#include <gtest/gtest.h>

namespace tandem::secrets {
namespace {

std::shared_ptr<const Secret> Named(const std::string& name) {
  auto s = std::make_shared<Secret>();
  s->name = name;
  return s;
}

TEST(SecretCache, HitsOnlyTheSameVersion) {
  SecretCache cache;
  EXPECT_EQ(cache.Find("k", 1), nullptr);
  cache.Remember("k", 1, Named("one"));
  ASSERT_NE(cache.Find("k", 1), nullptr);
  EXPECT_EQ(cache.Find("k", 1)->name, "one");
  EXPECT_EQ(cache.Find("k", 2), nullptr) << "a changed secret must be decoded again";
  cache.Remember("k", 2, Named("two"));
  EXPECT_EQ(cache.Find("k", 2)->name, "two");
  EXPECT_EQ(cache.Find("k", 1), nullptr);
  cache.Forget("k");
  EXPECT_EQ(cache.Find("k", 2), nullptr);
}

TEST(SecretCache, EntriesOutliveReplacement) {
  SecretCache cache;
  cache.Remember("k", 1, Named("one"));
  std::shared_ptr<const Secret> held = cache.Find("k", 1);
  cache.Remember("k", 2, Named("two"));
  EXPECT_EQ(held->name, "one");
}

}  // namespace
}  // namespace tandem::secrets
