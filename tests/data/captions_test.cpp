#include <gtest/gtest.h>

#include "data/captions.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::TempDir;
using Captions = std::vector<std::string>;

DatasetConfig with(CaptionStrategy strategy) {
  DatasetConfig d;
  d.id = "clips";
  d.caption_strategy = strategy;
  return d;
}

TEST(Captions, FilenameIsTheStemWithUnderscoresAsSpaces) {
  DatasetConfig d = with(CaptionStrategy::kFilename);
  EXPECT_EQ(read_captions(d, "/data/a_red_fox.mp4").captions, Captions{"a red fox"});
  EXPECT_EQ(read_captions(d, "/data/clip.v2.mp4").captions, Captions{"clip.v2"});
}

TEST(Captions, TextfileSplitsLinesUnlessDisabled) {
  TempDir t;
  t.write("a.txt", "a fox running\n\nthe fox, again\r\n");
  DatasetConfig d = with(CaptionStrategy::kTextfile);
  SampleCaptions c = read_captions(d, t / "a.mp4");
  EXPECT_TRUE(c.problem.empty()) << c.problem;
  EXPECT_EQ(c.captions, (Captions{"a fox running", "the fox, again"}));
  d.disable_multiline_split = true;
  EXPECT_EQ(read_captions(d, t / "a.mp4").captions, Captions{"a fox running\n\nthe fox, again"});
}

TEST(Captions, SingleLineFileIsOneTrimmedCaption) {
  TempDir t;
  t.write("b.txt", "\xEF\xBB\xBF  a cat  ");
  EXPECT_EQ(read_captions(with(CaptionStrategy::kTextfile), t / "b.webm").captions,
            Captions{"a cat"});
}

TEST(Captions, MissingEmptyOrBinaryTextFileIsAProblemNamingTheFile) {
  TempDir t;
  DatasetConfig d = with(CaptionStrategy::kTextfile);
  SampleCaptions missing = read_captions(d, t / "none.mp4");
  EXPECT_TRUE(missing.captions.empty());
  EXPECT_NE(missing.problem.find((t / "none.txt").string()), std::string::npos) << missing.problem;
  EXPECT_NE(missing.problem.find("not found"), std::string::npos);

  t.write("empty.txt", " \n\n");
  SampleCaptions empty = read_captions(d, t / "empty.mp4");
  EXPECT_TRUE(empty.captions.empty());
  EXPECT_NE(empty.problem.find("empty"), std::string::npos) << empty.problem;

  t.write("latin.txt", "caf\xE9");
  EXPECT_NE(read_captions(d, t / "latin.mp4").problem.find("UTF-8"), std::string::npos);
}

TEST(Captions, InstancePromptListIsEveryCaption) {
  DatasetConfig d = with(CaptionStrategy::kInstancePrompt);
  d.instance_prompt = {"sks dog", "a photo of sks dog"};
  d.prepend_instance_prompt = true;  // not applied to the instance prompt itself
  EXPECT_EQ(read_captions(d, "/x/whatever.mp4").captions,
            (Captions{"sks dog", "a photo of sks dog"}));
}

TEST(Captions, PrependInstancePromptPrefixesEveryCaption) {
  TempDir t;
  t.write("c.txt", "running\njumping\n");
  DatasetConfig d = with(CaptionStrategy::kTextfile);
  d.prepend_instance_prompt = true;
  d.instance_prompt = {"sks"};
  EXPECT_EQ(read_captions(d, t / "c.mp4").captions, (Captions{"sks running", "sks jumping"}));
  DatasetConfig f = with(CaptionStrategy::kFilename);
  f.prepend_instance_prompt = true;
  f.instance_prompt = {"sks"};
  EXPECT_EQ(read_captions(f, "/x/red_ball.png").captions, Captions{"sks red ball"});
}

}  // namespace
}  // namespace reel
