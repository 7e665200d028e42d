// Validation prompts: validation_prompt and the user_prompt_library, nicknames as file names.
#include "sample/validation_prompts.h"

#include <gtest/gtest.h>

#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

TEST(ValidationPrompts, NicknamesBecomeSafeFileNames) {
  EXPECT_EQ(prompt_file_name("anime_<token>"), "anime__token_");
  EXPECT_EQ(prompt_file_name("a/b\\c:d"), "a_b_c_d");
  EXPECT_EQ(prompt_file_name("..hidden"), "__hidden");
  EXPECT_EQ(prompt_file_name("line\nbreak"), "line_break");
  EXPECT_EQ(prompt_file_name(""), "prompt");
  EXPECT_EQ(prompt_file_name("woman"), "woman");
}

TEST(ValidationPrompts, ReadsTheQuickstartLibraries) {
  const std::string dir = std::string(REEL_FIXTURES_DIR) + "/../examples/";
  const auto full = read_prompt_library(dir + "user_prompt_library.json");
  ASSERT_EQ(full.size(), 15u);
  const auto minimal = read_prompt_library(dir + "user_prompt_library.minimal.json");
  ASSERT_EQ(minimal.size(), 2u);
  EXPECT_EQ(minimal[0].shortname, "another_nickname");
  EXPECT_EQ(minimal[0].prompt, "another prompt goes here");
  EXPECT_EQ(minimal[1].shortname, "nickname");
}

TEST(ValidationPrompts, ValidationPromptFirstThenTheLibraryWithUniqueNames) {
  test::TempDir dir;
  const auto library = dir.write("lib.json", R"({"validation": "a dog", "x/y": {"prompt": "a bird"},
      "x_y": "a fish", "": "skipped", "empty": ""})");
  const auto all = validation_prompts("a cat", library);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].shortname, "validation");
  EXPECT_EQ(all[0].prompt, "a cat");
  EXPECT_EQ(all[1].shortname, "validation_2");
  EXPECT_EQ(all[1].prompt, "a dog");
  EXPECT_EQ(all[2].shortname, "x_y");
  EXPECT_EQ(all[2].prompt, "a bird");
  EXPECT_EQ(all[3].shortname, "x_y_2");
  EXPECT_TRUE(validation_prompts("", "").empty());
}

TEST(ValidationPrompts, BadLibrariesAreErrorsNamingTheFile) {
  test::TempDir dir;
  EXPECT_TRUE(
      contains_text(error_of([&] { read_prompt_library(dir / "missing.json"); }), "missing.json"));
  const auto list = dir.write("list.json", R"(["a", "b"])");
  EXPECT_TRUE(contains_text(error_of([&] { read_prompt_library(list); }), "list.json"));
  const auto number = dir.write("number.json", R"({"n": 3})");
  const std::string e = error_of([&] { read_prompt_library(number); });
  EXPECT_TRUE(contains_text(e, "entry 'n'")) << e;
  EXPECT_TRUE(contains_text(e, "number.json")) << e;
}

}  // namespace
}  // namespace reel
