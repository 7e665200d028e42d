#include "config/shell_words.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace reel {
namespace {

using Words = std::vector<std::string>;

TEST(ShellWords, SplitsOnBlanksAndHonoursQuotes) {
  EXPECT_EQ(split_shell_words("  --a=1\t--b  2 "), (Words{"--a=1", "--b", "2"}));
  EXPECT_EQ(split_shell_words("--p='a b' --q=\"c \\\"d\\\"\""), (Words{"--p=a b", "--q=c \"d\""}));
  EXPECT_EQ(split_shell_words("a\\ b ''"), (Words{"a b", ""}));
  EXPECT_EQ(split_shell_words(""), Words{});
}

TEST(ShellWords, UnterminatedQuoteThrows) {
  EXPECT_THROW(split_shell_words("--p='open"), Error);
  EXPECT_THROW(split_shell_words("--p=\"open"), Error);
}

}  // namespace
}  // namespace reel
