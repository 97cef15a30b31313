#include "api/http.h"

#include <gtest/gtest.h>

namespace tandem::api {
namespace {

HttpRequest WithTarget(std::string target) {
  HttpRequest req;
  req.method = "GET";
  req.target = std::move(target);
  return req;
}

TEST(HttpRequest, PathAndQuery) {
  struct Case {
    const char* target;
    const char* path;
    const char* query;
  };
  for (const Case& c : {
           Case{"/", "/", ""},
           Case{"/a%20b/c?x=1&y", "/a%20b/c", "x=1&y"},
           Case{"/?", "/", ""},
           Case{"/a?b?c", "/a", "b?c"},
           Case{"*", "*", ""},
           Case{"http://localhost:4566/x/y?q=1", "/x/y", "q=1"},
           Case{"HTTPS://host/", "/", ""},
           Case{"http://host", "/", ""},
           Case{"http://host?q=/x", "/", "q=/x"},
           // Not absolute-form: the path is what precedes '?'.
           Case{"?a://b/c", "", "a://b/c"},
           Case{"/redirect?to=http://x/y", "/redirect", "to=http://x/y"},
       }) {
    SCOPED_TRACE(c.target);
    HttpRequest req = WithTarget(c.target);
    EXPECT_EQ(req.Path(), c.path);
    EXPECT_EQ(req.Query(), c.query);
  }
}

TEST(HttpRequest, HeaderFindsTheFirstValue) {
  HttpRequest req;
  req.headers = {{"x-amz-date", "1"}, {"x-multi", "a"}, {"x-multi", "b"}};
  ASSERT_NE(req.Header("x-multi"), nullptr);
  EXPECT_EQ(*req.Header("x-multi"), "a");
  EXPECT_EQ(req.Header("X-Amz-Date"), nullptr);  // names are stored lower-case
  EXPECT_EQ(req.Header("absent"), nullptr);
}

}  // namespace
}  // namespace tandem::api
