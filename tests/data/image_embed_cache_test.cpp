#include "data/image_embed_cache.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "data/cache_test_support.h"
#include "data/sample_frames.h"
#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision.h"
#include "models/vision/clip_vision_loader.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::make_sample;

fs::path clip_dir() {
  return fs::path(REEL_FIXTURES_DIR) / "clip_vision_tiny";
}

const ClipVisionModel& tiny_clip() {
  static const ClipVisionModel m = load_clip_vision(clip_dir() / "image_encoder");
  return m;
}

const ClipPreprocessConfig& tiny_preprocess() {
  static const ClipPreprocessConfig c = read_clip_preprocess_config(
      (clip_dir() / "image_processor/preprocessor_config.json").string());
  return c;
}

fs::path add_clip(const test::TempDir& dir, const std::string& relative) {
  const fs::path p = dir / "data" / relative;
  fs::create_directories(p.parent_path());
  fs::copy_file(test::video_fixture("h264_64x48_17f_15fps.mp4"), p);
  return p;
}

// Computed here: the first frame of the sample's window through the processor and the model.
at::Tensor direct_embeds(const Sample& s) {
  Sample first = s;
  first.frames = 1;
  const at::Tensor frame = sample_pixels(first)[0];
  const at::Tensor pixel_values = clip_preprocess({frame}, kDefaultClipRoute, tiny_preprocess());
  return tiny_clip().forward(pixel_values).penultimate_hidden_state[0];
}

ImageEmbedCacheSettings settings_in(const test::TempDir& dir) {
  ImageEmbedCacheSettings s;
  s.dir = dir / "clip";
  s.encoder_identity = "tiny clip #1";
  return s;
}

TEST(ImageEmbedCache, StoresThePenultimateHiddenStateOfTheFirstFrame) {
  test::TempDir dir;
  const std::vector<Sample> samples = {make_sample(add_clip(dir, "a.mp4"), "a.mp4", 5),
                                       make_sample(add_clip(dir, "b.mp4"), "b.mp4", 9)};
  const ImageEmbedCache cache(settings_in(dir));
  ASSERT_EQ(cache.missing(samples).size(), 2u);
  const CacheFill fill = cache.fill(cache.missing(samples), tiny_clip(), tiny_preprocess());
  EXPECT_EQ(fill.encoded, 2);
  EXPECT_TRUE(fill.failed.empty());
  EXPECT_TRUE(cache.missing(samples).empty());

  for (const Sample& s : samples) {
    SCOPED_TRACE(s.relative_path);
    const CacheEntry e = cache.load(s);
    const at::Tensor& embeds = e.get("image_embeds");
    EXPECT_EQ(embeds.sizes(), at::IntArrayRef({5, 32}));  // (28 / 14)^2 + 1 tokens, width 32
    EXPECT_TRUE(at::equal(embeds, direct_embeds(s)));
    EXPECT_EQ(e.metadata.at("source"), s.relative_path);
    EXPECT_EQ(e.metadata.at("route"), clip_route_name(kDefaultClipRoute));
  }
}

TEST(ImageEmbedCache, KeyedByFileWindowAndEncoderButNotClipLength) {
  test::TempDir dir;
  const fs::path file = add_clip(dir, "a.mp4");
  std::vector<Sample> samples = {make_sample(file, "a.mp4", 5)};
  const ImageEmbedCache cache(settings_in(dir));
  cache.fill(cache.missing(samples), tiny_clip(), tiny_preprocess());

  samples[0].frames = 9;  // only the first frame is encoded
  EXPECT_TRUE(cache.missing(samples).empty());

  ImageEmbedCacheSettings other = settings_in(dir);
  other.encoder_identity = "tiny clip #2";
  EXPECT_EQ(ImageEmbedCache(other).missing(samples).size(), 1u);

  samples[0].geometry.crop_y = 0;
  EXPECT_EQ(cache.missing(samples).size(), 1u);

  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(10));
  samples = {make_sample(file, "a.mp4", 5)};
  ASSERT_EQ(cache.missing(samples).size(), 1u);
  EXPECT_EQ(cache.fill(cache.missing(samples), tiny_clip(), tiny_preprocess()).encoded, 1);
  EXPECT_TRUE(cache.missing(samples).empty());
}

TEST(ImageEmbedCache, UnreadableSamplesAreReportedAndTheOthersCached) {
  test::TempDir dir;
  const std::vector<Sample> samples = {make_sample(dir / "data" / "gone.mp4", "gone.mp4", 5),
                                       make_sample(add_clip(dir, "a.mp4"), "a.mp4", 5),
                                       make_sample(add_clip(dir, "b.mp4"), "b.mp4", 5)};
  ImageEmbedCacheSettings s = settings_in(dir);
  s.batch_size = 2;
  s.compress = false;
  const ImageEmbedCache cache(s);
  const CacheFill fill = cache.fill(cache.missing(samples), tiny_clip(), tiny_preprocess());
  EXPECT_EQ(fill.encoded, 2);
  ASSERT_EQ(fill.failed.size(), 1u);
  EXPECT_EQ(fill.failed[0].path, samples[0].file.path);
  EXPECT_EQ(fill.failed[0].reason, SkipReason::kUnreadable);
  EXPECT_EQ(cache.missing(samples), std::vector<const Sample*>{&samples[0]});
  for (size_t i = 1; i < samples.size(); ++i) {
    // Batched matmuls may round differently from a single image's.
    EXPECT_TRUE(at::allclose(cache.load(samples[i]).get("image_embeds"), direct_embeds(samples[i]),
                             1e-5, 1e-5));
  }
  EXPECT_TRUE(
      test::contains_text(test::error_of([&] { cache.load(samples[0]); }), "does not exist"));
}

}  // namespace
}  // namespace reel
