#include <gtest/gtest.h>

#include "config/did_you_mean.h"

namespace reel {

TEST(DidYouMean, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
}

TEST(DidYouMean, SuggestsTheClosestKey) {
  std::vector<std::string> keys = {"learning_rate", "lr_scheduler", "lora_rank", "seed"};
  EXPECT_EQ(closest_match("lerning_rate", keys), "learning_rate");
  EXPECT_EQ(closest_match("lora_rnak", keys), "lora_rank");
}

TEST(DidYouMean, IgnoresDashesAndCase) {
  std::vector<std::string> keys = {"learning_rate", "seed"};
  EXPECT_EQ(closest_match("--Learning-Rate", keys), "learning_rate");
}

TEST(DidYouMean, NothingWhenNoKeyIsClose) {
  std::vector<std::string> keys = {"learning_rate", "seed"};
  EXPECT_EQ(closest_match("completely_different", keys), "");
  EXPECT_EQ(closest_match("x", {}), "");
}

}  // namespace reel
