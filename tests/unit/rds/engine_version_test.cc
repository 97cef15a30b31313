#include "rds/engine_version.h"

#include <gtest/gtest.h>

namespace tandem::rds {
namespace {

TEST(EngineVersion, ParsesMariadbdVersionOutput) {
  EXPECT_EQ(ParseEngineVersion("mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on "
                               "x86_64 (Debian 12)\n"),
            "10.11.19");
  EXPECT_EQ(ParseEngineVersion("/usr/sbin/mariadbd  Ver 11.4.2-MariaDB for Linux"), "11.4.2");
  EXPECT_EQ(ParseEngineVersion(""), "");
  EXPECT_EQ(ParseEngineVersion("mariadbd Ver x"), "");
  EXPECT_EQ(ParseEngineVersion("mariadbd  Ver 10.11 for"), "");
}

TEST(EngineVersion, Major) {
  EXPECT_EQ(MajorEngineVersion("10.11.19"), "10.11");
  EXPECT_EQ(MajorEngineVersion("10"), "10");
}

TEST(EngineVersion, DetectFailsQuietlyWithoutTheProgram) {
  EXPECT_EQ(DetectEngineVersion("/nonexistent/mariadbd"), "");
}

}  // namespace
}  // namespace tandem::rds
