#include <gtest/gtest.h>

#include "config/dataset_config_format.h"
#include "config/dataset_test_support.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains;

TEST(DatasetConfigFormat, ShowsEachDatasetWithItsResolvedSettings) {
  test::TempDir tmp;
  auto file = test::video_and_text_embeds(
      tmp.path().string(), {{"video", {{"num_frames", 75}, {"max_frames", 120}}}, {"repeats", 2}});
  file.push_back({{"id", "old"}, {"disabled", true}});
  auto p = test::parse_datasets(file);
  ASSERT_FALSE(has_errors(p.diags)) << test::dump(p.diags);

  std::string out = format_dataset_configs(p.datasets);
  EXPECT_TRUE(contains(out, "clips (entry 1): local video\n")) << out;
  EXPECT_TRUE(contains(out, "73 per clip (keep 73..120), buckets aspect_ratio, i2v no")) << out;
  EXPECT_TRUE(contains(out, "1024 pixel_area (1.04858 megapixels)")) << out;
  EXPECT_TRUE(contains(out, "train_batch_size 4, repeats 2, probability 1")) << out;
  EXPECT_TRUE(contains(out, "output/cache/vae/wan/clips")) << out;
  EXPECT_TRUE(contains(out, "text-embeds (entry 2): local text_embeds, default\n")) << out;
  EXPECT_TRUE(contains(out, "cache_dir            cache\n")) << out;
  EXPECT_TRUE(contains(out, "old (entry 3): disabled\n")) << out;
  // Entries in file order.
  EXPECT_LT(out.find("clips ("), out.find("text-embeds ("));
  EXPECT_LT(out.find("text-embeds ("), out.find("old ("));
}

}  // namespace
}  // namespace reel
