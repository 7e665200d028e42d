#include <gtest/gtest.h>

#include "core/error.h"

namespace reel {

TEST(Error, FormatsWhereWhatAndHint) {
  Error e("expected a number, got \"abc\"");
  e.file("config.json").key("learning_rate").hint("write it as 1e-4");
  EXPECT_STREQ(e.what(),
               "config.json: key 'learning_rate': expected a number, got \"abc\"\n"
               "  hint: write it as 1e-4");
}

TEST(Error, LineNumberFollowsFile) {
  Error e("bad");
  e.file("a.json").line(7);
  EXPECT_STREQ(e.what(), "a.json:7: bad");
}

TEST(Error, MessageAloneWhenNoContext) {
  EXPECT_STREQ(Error("boom").what(), "boom");
}

}  // namespace reel
