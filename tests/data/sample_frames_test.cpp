#include "data/sample_frames.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "data/cache_test_support.h"
#include "media/video_decoder.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::make_sample;
using test::video_fixture;

// The frames at the intermediary size straight from the decoder: what the window is cut from.
at::Tensor decoded(const std::filesystem::path& file, int frames, int w, int h) {
  DecodeRequest r;
  r.max_frames = frames;
  r.width = w;
  r.height = h;
  return decode_frames(file, r);
}

TEST(SamplePixels, CutsTheBucketWindowOfTheFirstFrames) {
  const auto file = video_fixture("h264_64x48_17f_15fps.mp4");
  const Sample s = make_sample(file, "clip.mp4", 5);  // 48x32 at (8, 8) of 64x48
  const at::Tensor pixels = sample_pixels(s);
  EXPECT_EQ(pixels.scalar_type(), at::kByte);
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({5, 32, 48, 3}));
  const at::Tensor full = decoded(file, 5, 64, 48);
  EXPECT_TRUE(at::equal(pixels, full.slice(1, 8, 40).slice(2, 8, 56)));
}

TEST(SamplePixels, ResizesToTheIntermediarySize) {
  const auto file = video_fixture("h264_64x48_17f_15fps.mp4");
  SampleGeometry g;
  g.intermediary_w = 96, g.intermediary_h = 72;
  g.target_w = 64, g.target_h = 64;
  g.crop_x = 20, g.crop_y = 3;
  const at::Tensor pixels = sample_pixels(make_sample(file, "clip.mp4", 1, g));
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({1, 64, 64, 3}));
  EXPECT_TRUE(at::equal(pixels, decoded(file, 1, 96, 72).slice(1, 3, 67).slice(2, 20, 84)));
}

TEST(SamplePixels, TrimsSidesToMultiplesOf16) {
  const auto file = video_fixture("h264_64x48_17f_15fps.mp4");
  SampleGeometry g = test::small_geometry();
  g.target_w = 40, g.target_h = 36;  // -> 32 x 32, the window's top-left part
  g.crop_x = 4, g.crop_y = 6;
  const at::Tensor pixels = sample_pixels(make_sample(file, "clip.mp4", 1, g));
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({1, 32, 32, 3}));
  EXPECT_TRUE(at::equal(pixels, decoded(file, 1, 64, 48).slice(1, 6, 38).slice(2, 4, 36)));
}

TEST(SamplePixels, AnImageIsOneFrame) {
  const auto file = video_fixture("image_64x48.png");
  const at::Tensor pixels = sample_pixels(make_sample(file, "image.png", 1));
  ASSERT_EQ(pixels.sizes(), at::IntArrayRef({1, 32, 48, 3}));
  EXPECT_TRUE(at::equal(pixels, decoded(file, 1, 64, 48).slice(1, 8, 40).slice(2, 8, 56)));
}

TEST(SamplePixels, ShortFilesAreTruncated) {
  const auto file = video_fixture("short_3f_h264_64x48_15fps.mp4");
  const Sample s = make_sample(file, "short.mp4", 5);
  const std::string what = error_of([&] { sample_pixels(s); });
  EXPECT_TRUE(contains_text(what, s.file.path)) << what;
  EXPECT_TRUE(contains_text(what, "truncated: decoded 3 of 5 frames")) << what;
}

TEST(SamplePixels, UnreadableFilesAndBadWindowsNameTheFile) {
  test::TempDir dir;
  const auto missing = dir / "gone.mp4";
  std::string what = error_of([&] { sample_pixels(make_sample(missing, "gone.mp4", 1)); });
  EXPECT_TRUE(contains_text(what, missing.string())) << what;

  SampleGeometry g = test::small_geometry();
  g.crop_x = 20;  // 20 + 48 > 64
  const Sample s = make_sample(video_fixture("h264_64x48_17f_15fps.mp4"), "clip.mp4", 1, g);
  what = error_of([&] { sample_pixels(s); });
  EXPECT_TRUE(contains_text(what, s.file.path)) << what;
  EXPECT_TRUE(contains_text(what, "does not fit")) << what;
}

TEST(PixelsToVaeInput, ScalesToMinusOneOneChannelsFirst) {
  // [F=2, H=1, W=2, 3]
  const at::Tensor pixels =
      at::tensor({0, 255, 51, 102, 204, 0, 255, 255, 255, 0, 0, 0}, at::kByte).view({2, 1, 2, 3});
  const at::Tensor x = pixels_to_vae_input(pixels);
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  ASSERT_EQ(x.sizes(), at::IntArrayRef({3, 2, 1, 2}));
  // x / 127.5 - 1 of each byte, by hand: 0 -> -1, 255 -> 1, 51 -> -0.6, 102 -> -0.2, 204 -> 0.6.
  const float expected[3][2][2] = {{{-1.0f, -0.2f}, {1.0f, -1.0f}},
                                   {{1.0f, 0.6f}, {1.0f, -1.0f}},
                                   {{-0.6f, -1.0f}, {1.0f, -1.0f}}};
  for (int c = 0; c < 3; ++c) {
    for (int f = 0; f < 2; ++f) {
      for (int w = 0; w < 2; ++w) {
        EXPECT_NEAR(x[c][f][0][w].item<float>(), expected[c][f][w], 1e-6)
            << c << " " << f << " " << w;
      }
    }
  }
  EXPECT_TRUE(contains_text(error_of([&] {
                              pixels_to_vae_input(at::zeros({2, 4, 4, 3}));
                            }),
                            "uint8"));
}

}  // namespace
}  // namespace reel
