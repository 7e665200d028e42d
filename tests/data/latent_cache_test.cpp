#include "data/latent_cache.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "data/cache_test_support.h"
#include "data/sample_frames.h"
#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::make_sample;

const WanVae& tiny_vae() {
  static const WanVae vae = load_wan_vae(fs::path(REEL_FIXTURES_DIR) / "wan21_vae_tiny");
  return vae;
}

// A copy of a fixture clip inside the test's dataset folder.
fs::path add_clip(const test::TempDir& dir, const std::string& relative,
                  const std::string& fixture = "h264_64x48_17f_15fps.mp4") {
  const fs::path p = dir / "data" / relative;
  fs::create_directories(p.parent_path());
  fs::copy_file(test::video_fixture(fixture), p);
  return p;
}

// The latents computed here, straight from the sample's pixels: one clip through the VAE.
at::Tensor direct_latents(const Sample& s, bool first_frame_only = false) {
  at::Tensor video = pixels_to_vae_input(sample_pixels(s)).unsqueeze(0);
  if (first_frame_only) {
    at::Tensor condition = at::zeros_like(video);
    condition.select(2, 0).copy_(video.select(2, 0));
    video = condition;
  }
  return tiny_vae().normalize(tiny_vae().encode(video).mean)[0];
}

LatentCacheSettings settings_in(const test::TempDir& dir, bool compress = true) {
  LatentCacheSettings s;
  s.dir = dir / "cache";
  s.compress = compress;
  s.vae_identity = "tiny vae #1";
  return s;
}

CacheState state_of(const LatentCache& cache, const Sample& s) {
  return TensorCache(cache.settings().dir, cache.settings().compress)
      .state(cache.entry_name(s), cache.entry_key(s));
}

class LatentCacheFormats : public ::testing::TestWithParam<bool> {};

TEST_P(LatentCacheFormats, FillsMissingEntriesWithTheNormalisedPosteriorMean) {
  test::TempDir dir;
  const std::vector<Sample> samples = {make_sample(add_clip(dir, "a.mp4"), "a.mp4", 5),
                                       make_sample(add_clip(dir, "sub/b.mp4"), "sub/b.mp4", 5)};
  const LatentCache cache(settings_in(dir, GetParam()));
  EXPECT_NE(cache.entry_name(samples[0]), cache.entry_name(samples[1]));

  const std::vector<const Sample*> todo = cache.missing(samples);
  ASSERT_EQ(todo, (std::vector<const Sample*>{&samples[0], &samples[1]}));
  const CacheFill fill = cache.fill(todo, tiny_vae());
  EXPECT_EQ(fill.encoded, 2);
  EXPECT_TRUE(fill.failed.empty());

  // A hit: nothing is left to encode, for this cache object and a new one alike.
  EXPECT_TRUE(cache.missing(samples).empty());
  EXPECT_TRUE(LatentCache(settings_in(dir, GetParam())).missing(samples).empty());

  for (const Sample& s : samples) {
    SCOPED_TRACE(s.relative_path);
    const CacheEntry e = cache.load(s);
    ASSERT_EQ(e.tensors.size(), 1u);  // no first_frame_latents without first_frame
    const at::Tensor& z = e.get("latents");
    EXPECT_EQ(z.scalar_type(), at::kFloat);
    EXPECT_EQ(z.sizes(), at::IntArrayRef({16, 2, 4, 6}));  // 5 frames of 48x32
    EXPECT_TRUE(at::equal(z, direct_latents(s)));
    EXPECT_EQ(e.metadata.at("source"), s.relative_path);
    EXPECT_EQ(e.metadata.at("frames"), "5");
    EXPECT_EQ(e.metadata.at("size"), "48x32");
  }
  EXPECT_GT(cache.disk_bytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Formats, LatentCacheFormats, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "zstd" : "plain"; });

TEST(LatentCache, ChangedIngredientsMakeEntriesStale) {
  test::TempDir dir;
  const fs::path file = add_clip(dir, "a.mp4");
  const Sample other = make_sample(add_clip(dir, "b.mp4"), "b.mp4", 5);
  Sample a = make_sample(file, "a.mp4", 5);
  const LatentCache cache(settings_in(dir));
  cache.fill(cache.missing({a, other}), tiny_vae());
  ASSERT_TRUE(cache.missing({a, other}).empty());

  // Fewer frames: the entry is stale, rebuilt under the same name.
  Sample shorter = a;
  shorter.frames = 1;
  EXPECT_EQ(cache.entry_name(shorter), cache.entry_name(a));
  EXPECT_EQ(state_of(cache, shorter), CacheState::kStale);
  std::vector<Sample> now = {shorter, other};
  ASSERT_EQ(cache.missing(now), std::vector<const Sample*>{&now[0]});
  EXPECT_EQ(cache.fill(cache.missing(now), tiny_vae()).encoded, 1);
  EXPECT_TRUE(cache.missing(now).empty());
  EXPECT_EQ(cache.load(shorter).get("latents").sizes(), at::IntArrayRef({16, 1, 4, 6}));
  EXPECT_TRUE(at::equal(cache.load(shorter).get("latents"), direct_latents(shorter)));
  EXPECT_EQ(state_of(cache, a), CacheState::kStale);

  // Another VAE, or I2V first frames: every entry is stale.
  LatentCacheSettings s2 = settings_in(dir);
  s2.vae_identity = "tiny vae #2";
  EXPECT_EQ(LatentCache(s2).missing(now).size(), 2u);
  LatentCacheSettings s3 = settings_in(dir);
  s3.first_frame = true;
  EXPECT_EQ(LatentCache(s3).missing(now).size(), 2u);

  // The file changed on disk (a new mtime): stale.
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(10));
  now[0] = make_sample(file, "a.mp4", 1);
  EXPECT_EQ(cache.missing(now), std::vector<const Sample*>{&now[0]});

  // Another crop of the same file: stale.
  Sample moved = other;
  moved.geometry.crop_x = 0;
  EXPECT_EQ(state_of(cache, moved), CacheState::kStale);
}

TEST(LatentCache, CorruptEntriesAreRebuilt) {
  test::TempDir dir;
  const std::vector<Sample> samples = {make_sample(add_clip(dir, "a.mp4"), "a.mp4", 5)};
  const LatentCache cache(settings_in(dir));
  cache.fill(cache.missing(samples), tiny_vae());
  const fs::path file =
      TensorCache(cache.settings().dir, true).path_for(cache.entry_name(samples[0]));
  ASSERT_TRUE(fs::exists(file));
  fs::resize_file(file, fs::file_size(file) / 2);

  EXPECT_EQ(state_of(cache, samples[0]), CacheState::kCorrupt);
  ASSERT_EQ(cache.missing(samples).size(), 1u);
  const std::string what = test::error_of([&] { cache.load(samples[0]); });
  EXPECT_TRUE(contains_text(what, file.string())) << what;

  EXPECT_EQ(cache.fill(cache.missing(samples), tiny_vae()).encoded, 1);
  EXPECT_EQ(state_of(cache, samples[0]), CacheState::kValid);
  EXPECT_TRUE(at::equal(cache.load(samples[0]).get("latents"), direct_latents(samples[0])));
}

TEST(LatentCache, UnreadableSamplesAreReportedAndTheOthersCached) {
  test::TempDir dir;
  const std::vector<Sample> samples = {
      make_sample(dir / "data" / "gone.mp4", "gone.mp4", 5),
      make_sample(add_clip(dir, "short_3f.mp4", "short_3f_h264_64x48_15fps.mp4"), "short_3f.mp4",
                  5),
      make_sample(add_clip(dir, "good.mp4"), "good.mp4", 5)};
  LatentCacheSettings s = settings_in(dir);
  s.batch_size = 2;  // a failure inside a batch does not take the batch down
  const LatentCache cache(s);
  const CacheFill fill = cache.fill(cache.missing(samples), tiny_vae());

  EXPECT_EQ(fill.encoded, 1);
  ASSERT_EQ(fill.failed.size(), 2u);
  const auto find = [&](const Sample& s) {
    return std::find_if(fill.failed.begin(), fill.failed.end(),
                        [&](const SkippedFile& f) { return f.path == s.file.path; });
  };
  ASSERT_NE(find(samples[0]), fill.failed.end());
  EXPECT_EQ(find(samples[0])->reason, SkipReason::kUnreadable);
  ASSERT_NE(find(samples[1]), fill.failed.end());
  EXPECT_EQ(find(samples[1])->reason, SkipReason::kTruncated);
  EXPECT_TRUE(contains_text(find(samples[1])->detail, "decoded 3 of 5 frames"))
      << find(samples[1])->detail;

  EXPECT_EQ(cache.missing(samples), (std::vector<const Sample*>{&samples[0], &samples[1]}));
  EXPECT_TRUE(at::equal(cache.load(samples[2]).get("latents"), direct_latents(samples[2])));
}

TEST(LatentCache, FirstFrameLatentsEncodeTheFirstFrameThenGrey) {
  test::TempDir dir;
  const std::vector<Sample> samples = {make_sample(add_clip(dir, "a.mp4"), "a.mp4", 5)};
  LatentCacheSettings s = settings_in(dir);
  s.first_frame = true;
  const LatentCache cache(s);
  EXPECT_EQ(cache.fill(cache.missing(samples), tiny_vae()).encoded, 1);

  const CacheEntry e = cache.load(samples[0]);
  const at::Tensor& z = e.get("latents");
  const at::Tensor& c = e.get("first_frame_latents");
  EXPECT_EQ(c.sizes(), z.sizes());
  EXPECT_TRUE(at::equal(z, direct_latents(samples[0])));
  EXPECT_TRUE(at::equal(c, direct_latents(samples[0], /*first_frame_only=*/true)));
  // The VAE is causal: the first latent frame sees frame 0 only, so both agree there
  // (fixtures README), and differ after it.
  EXPECT_TRUE(at::allclose(c.select(1, 0), z.select(1, 0), 1e-5, 1e-5));
  EXPECT_FALSE(at::allclose(c.select(1, 1), z.select(1, 1), 1e-3, 1e-3));
}

TEST(LatentCache, BatchesHoldOneSizeAndLength) {
  test::TempDir dir;
  SampleGeometry square = test::small_geometry();
  square.target_w = 32, square.crop_x = 16;
  const fs::path a = add_clip(dir, "a.mp4"), b = add_clip(dir, "b.mp4");
  const std::vector<Sample> samples = {make_sample(a, "a.mp4", 5), make_sample(b, "b.mp4", 5),
                                       make_sample(add_clip(dir, "c.mp4"), "c.mp4", 5, square),
                                       make_sample(add_clip(dir, "d.mp4"), "d.mp4", 1)};
  LatentCacheSettings s = settings_in(dir);
  s.batch_size = 3;
  const LatentCache cache(s);
  const CacheFill fill = cache.fill(cache.missing(samples), tiny_vae());
  EXPECT_EQ(fill.encoded, 4);
  EXPECT_TRUE(fill.failed.empty());

  const std::vector<int64_t> shapes[] = {
      {16, 2, 4, 6}, {16, 2, 4, 6}, {16, 2, 4, 4}, {16, 1, 4, 6}};
  for (size_t i = 0; i < samples.size(); ++i) {
    SCOPED_TRACE(samples[i].relative_path);
    const at::Tensor z = cache.load(samples[i]).get("latents");
    EXPECT_EQ(z.sizes(), at::IntArrayRef(shapes[i]));
    // Batched convolutions may round differently from a single clip's.
    EXPECT_TRUE(at::allclose(z, direct_latents(samples[i]), 1e-5, 1e-5));
  }
}

}  // namespace
}  // namespace reel
