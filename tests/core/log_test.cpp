#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "core/log.h"

namespace reel {

TEST(Log, CommandLineLevelWinsOverEnvironment) {
  setenv("REEL_LOG_LEVEL", "debug", 1);
  log::init("error");
  EXPECT_FALSE(log::enabled(log::Level::kWarn));
  EXPECT_TRUE(log::enabled(log::Level::kError));
  log::init("");
  EXPECT_TRUE(log::enabled(log::Level::kDebug));
  unsetenv("REEL_LOG_LEVEL");
  log::init("");
  EXPECT_TRUE(log::enabled(log::Level::kInfo));
  EXPECT_FALSE(log::enabled(log::Level::kDebug));
}

TEST(Log, UnknownLevelNamesTheValidOnes) {
  try {
    log::init("verbose");
    FAIL() << "no error for an unknown level";
  } catch (const Error& e) {
    EXPECT_EQ(e.key(), "--log_level");
    EXPECT_NE(std::string(e.what()).find("'verbose'"), std::string::npos);
    EXPECT_NE(e.hint().find("trace, debug, info, warn, error, off"), std::string::npos);
  }
}

TEST(Log, ConcatJoinsMixedParts) {
  EXPECT_EQ(log::concat("a ", 3, " b ", 1.5), "a 3 b 1.5");
}

}  // namespace reel
