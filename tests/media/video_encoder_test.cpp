// encode_mp4: clips written, read back with probe_media / decode_frames, and the file's
// appearance all at once.
#include "media/video_encoder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "media/media_info.h"
#include "media/media_test_files.h"
#include "media/video_decoder.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

using test::contains_text;
using test::error_of;
using test::mean_abs_diff;

// Smooth moving colour gradients, uint8 [F, H, W, 3]: what H.264 at crf 18 keeps well.
at::Tensor smooth_clip(int64_t frames, int64_t h, int64_t w) {
  const at::Tensor t = at::arange(frames, at::kDouble).view({frames, 1, 1});
  const at::Tensor y = at::arange(h, at::kDouble).view({1, h, 1}) / 64;
  const at::Tensor x = at::arange(w, at::kDouble).view({1, 1, w}) / 64;
  const at::Tensor r = 128 + 100 * at::sin(3 * x + 0.2 * t);
  const at::Tensor g = 128 + 100 * at::cos(2 * y - 0.15 * t);
  const at::Tensor b = 60 + 120 * x * y + 4 * t;
  return at::stack({r.expand({frames, h, w}), g.expand({frames, h, w}), b.expand({frames, h, w})},
                   3)
      .round()
      .clamp(0, 255)
      .to(at::kByte);
}

TEST(EncodeMp4, ARoundTripKeepsFramesSizeAndRate) {
  test::TempDir dir;
  const at::Tensor clip = smooth_clip(9, 48, 64);
  encode_mp4(dir / "clip.mp4", clip, {.fps = 16, .crf = 18});

  const MediaInfo info = probe_media(dir / "clip.mp4");
  EXPECT_EQ(info.kind, MediaKind::kVideo);
  EXPECT_EQ(info.codec, "h264");
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_EQ(info.frame_count, 9);
  EXPECT_DOUBLE_EQ(info.fps, 16.0);
  EXPECT_FALSE(info.has_audio);

  const at::Tensor back = decode_frames(dir / "clip.mp4");
  ASSERT_EQ(back.sizes(), clip.sizes());
  EXPECT_LT(mean_abs_diff(back, clip), 3.0);  // measured 1.8: chroma subsampling and crf 18
  EXPECT_EQ(test::dir_entries(dir.path()), std::vector<std::string>{"clip.mp4"});
}

TEST(EncodeMp4, AFractionalRateIsKept) {
  test::TempDir dir;
  encode_mp4(dir / "clip.mp4", smooth_clip(3, 16, 16), {.fps = 29.97});
  EXPECT_NEAR(probe_media(dir / "clip.mp4").fps, 29.97, 1e-6);
}

// yuv420p needs even sizes: 33x17 becomes 34x18 with the last column and row repeated.
TEST(EncodeMp4, OddSizesArePaddedWithTheEdge) {
  test::TempDir dir;
  const at::Tensor clip = smooth_clip(3, 17, 33);
  encode_mp4(dir / "odd.mp4", clip);
  const MediaInfo info = probe_media(dir / "odd.mp4");
  EXPECT_EQ(info.width, 34);
  EXPECT_EQ(info.height, 18);
  const at::Tensor back = decode_frames(dir / "odd.mp4");
  ASSERT_EQ(back.sizes(), (std::vector<int64_t>{3, 18, 34, 3}));
  EXPECT_LT(mean_abs_diff(back.narrow(1, 0, 17).narrow(2, 0, 33), clip), 3.0);  // measured 1.6
  // The added row and column hold the edge's pixels (measured 1.5 and 1.1 from them).
  EXPECT_LT(mean_abs_diff(back.select(1, 17).narrow(1, 0, 33), clip.select(1, 16)), 3.0);
  EXPECT_LT(mean_abs_diff(back.select(2, 33).narrow(1, 0, 17), clip.select(2, 32)), 3.0);
  // Black padding (or none) would be far off.
  EXPECT_GT(mean_abs_diff(back.select(1, 17), at::zeros({3, 34, 3})), 50.0);
}

TEST(EncodeMp4, ReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  test::TempDir dir;
  const fs::path out = dir.write("clip.mp4", "an older clip");
  encode_mp4(out, smooth_clip(2, 16, 16));
  EXPECT_EQ(probe_media(out).frame_count, 2);
  EXPECT_EQ(test::dir_entries(dir.path()), std::vector<std::string>{"clip.mp4"});
}

// A target that cannot be replaced (a folder of that name): the error names it, and the
// temporary file written beside it is gone.
TEST(EncodeMp4, AFailedWriteLeavesNothingBehind) {
  test::TempDir dir;
  fs::create_directory(dir / "clip.mp4");
  const std::string e = error_of([&] { encode_mp4(dir / "clip.mp4", smooth_clip(2, 16, 16)); });
  EXPECT_TRUE(contains_text(e, (dir / "clip.mp4").string() + ": cannot rename")) << e;
  EXPECT_EQ(test::dir_entries(dir.path()), std::vector<std::string>{"clip.mp4"});
  EXPECT_TRUE(fs::is_directory(dir / "clip.mp4"));
}

TEST(EncodeMp4, BadFramesAreRejectedNamingTheFile) {
  test::TempDir dir;
  const std::string path = (dir / "clip.mp4").string();
  std::string e = error_of([&] { encode_mp4(path, at::zeros({2, 16, 16, 3}, at::kFloat)); });
  EXPECT_TRUE(contains_text(e, path + ": frames are Float, not uint8 RGB")) << e;
  e = error_of([&] { encode_mp4(path, at::zeros({16, 16, 3}, at::kByte)); });
  EXPECT_TRUE(contains_text(e, path + ": frames of shape [16, 16, 3] are not RGB video")) << e;
  e = error_of([&] { encode_mp4(path, at::zeros({0, 16, 16, 3}, at::kByte)); });
  EXPECT_TRUE(contains_text(e, "at least one frame")) << e;
  e = error_of([&] { encode_mp4(path, at::zeros({1, 16, 16, 3}, at::kByte), {.fps = 0}); });
  EXPECT_TRUE(contains_text(e, path + ": frame rate 0 is not in (0, 1000]")) << e;
  EXPECT_TRUE(test::dir_entries(dir.path()).empty());
}

TEST(EncodeMp4, TakesFramesThatAreNotContiguous) {
  test::TempDir dir;
  // [F, W, H, 3] transposed to [F, H, W, 3]: a view with swapped strides.
  const at::Tensor clip = smooth_clip(2, 32, 16).transpose(1, 2);
  encode_mp4(dir / "clip.mp4", clip);
  const at::Tensor back = decode_frames(dir / "clip.mp4");
  ASSERT_EQ(back.sizes(), (std::vector<int64_t>{2, 16, 32, 3}));
  EXPECT_LT(mean_abs_diff(back, clip), 3.0);
}

}  // namespace
}  // namespace reel
