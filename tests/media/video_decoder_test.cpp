// decode_frames against the ffmpeg CLI's frames of the fixtures (exact), against independent
// resizes of them (close), and on files the tests write themselves.
#include "media/video_decoder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "media/media_test_files.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::cli_frames;
using test::contains_text;
using test::error_of;
using test::max_abs_diff;
using test::mean_abs_diff;
using test::video_fixture;

// The reference frames as float [F, 3, H, W] in 0..255, for ATen's resizes.
at::Tensor planar(const at::Tensor& frames) {
  return frames.permute({0, 3, 1, 2}).to(at::kFloat);
}

// BT.601 luma of uint8 [F, H, W, 3] frames: the same whichever way chroma was upsampled.
at::Tensor luma(const at::Tensor& frames) {
  const at::Tensor f = frames.to(at::kDouble);
  return 0.299 * f.select(3, 0) + 0.587 * f.select(3, 1) + 0.114 * f.select(3, 2);
}

at::Tensor packed(const at::Tensor& planar_frames) {
  return planar_frames.round().clamp(0, 255).to(at::kByte).permute({0, 2, 3, 1}).contiguous();
}

TEST(DecodeFrames, EveryReadableFixtureEqualsTheCliExactly) {
  for (const std::string stem :
       {"h264_64x48_17f_15fps", "vp9_64x48_17f_15fps", "portrait_h264_48x64_17f_15fps",
        "with_audio_h264_aac_64x48_17f_15fps", "short_3f_h264_64x48_15fps"}) {
    SCOPED_TRACE(stem);
    const std::string file = stem + (stem.rfind("vp9", 0) == 0 ? ".webm" : ".mp4");
    const at::Tensor frames = decode_frames(video_fixture(file));
    const at::Tensor expected = cli_frames(stem);
    ASSERT_EQ(frames.sizes(), expected.sizes());
    EXPECT_EQ(frames.scalar_type(), at::kByte);
    EXPECT_TRUE(frames.is_contiguous());
    EXPECT_TRUE(at::equal(frames, expected)) << "max diff " << max_abs_diff(frames, expected);
  }
}

TEST(DecodeFrames, APngIsOneFrameWithItsExactPixels) {
  const at::Tensor frames = decode_frames(video_fixture("image_64x48.png"));
  const at::Tensor expected = cli_frames("image_64x48");
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, 48, 64, 3}));
  EXPECT_TRUE(at::equal(frames, expected));
}

// The file is the 17-frame baseline with its index first and its media data cut: frame 7's
// packet is damaged and 9.. are missing, so frames 0..6 and 8 decode. (The CLI writes 9
// frames: its constant-frame-rate output repeats frame 8 in the hole frame 7 left; with
// `-vsync passthrough` it gives these 8.)
TEST(DecodeFrames, ACutOffFileGivesTheFramesThatDecoded) {
  const at::Tensor frames = decode_frames(video_fixture("truncated_faststart.mp4"));
  const at::Tensor baseline = cli_frames("h264_64x48_17f_15fps");
  ASSERT_EQ(frames.size(0), 8);
  EXPECT_TRUE(at::equal(frames.narrow(0, 0, 7), baseline.narrow(0, 0, 7)));
  EXPECT_TRUE(at::equal(frames[7], baseline[8]));
}

TEST(DecodeFrames, MaxFramesStopsEarly) {
  const at::Tensor expected = cli_frames("h264_64x48_17f_15fps");
  DecodeRequest r;
  for (int64_t n : {1, 5, 16}) {
    r.max_frames = n;
    const at::Tensor frames = decode_frames(video_fixture("h264_64x48_17f_15fps.mp4"), r);
    ASSERT_EQ(frames.size(0), n);
    EXPECT_TRUE(at::equal(frames, expected.narrow(0, 0, n))) << n;
  }
  r.max_frames = 100;  // more than the file has: all of them
  EXPECT_EQ(decode_frames(video_fixture("short_3f_h264_64x48_15fps.mp4"), r).size(0), 3);
}

TEST(DecodeFrames, BrokenFilesThrowNamingTheFileAndTheReason) {
  for (const char* name : {"truncated_no_moov.mp4", "not_a_video.mp4"}) {
    const std::string path = video_fixture(name).string();
    const std::string e = error_of([&] { decode_frames(path); });
    EXPECT_TRUE(contains_text(e, path + ": not a media file FFmpeg can read: moov atom not found"))
        << e;
  }
  const std::string missing = video_fixture("no_such_clip.mp4").string();
  const std::string e = error_of([&] { decode_frames(missing); });
  EXPECT_TRUE(contains_text(e, missing + ": cannot open: No such file or directory")) << e;
}

// The cut-off file cut again, right after its index (moov): it opens, and no frame decodes.
TEST(DecodeFrames, AFileWithoutAnyDecodableFrameIsAnError) {
  const std::string bytes = test::read_file(video_fixture("truncated_faststart.mp4"));
  size_t end = 0;  // walk the top-level boxes: 4-byte big-endian size, 4-byte type
  for (size_t at = 0; at + 8 <= bytes.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    const size_t size = (size_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    if (bytes.compare(at + 4, 4, "moov") == 0) end = at + size;
    if (size < 8) break;
    at += size;
  }
  ASSERT_GT(end, 0u);
  test::TempDir dir;
  test::write_bytes(dir / "index_only.mp4", bytes.substr(0, end + 100));
  const std::string e = error_of([&] { decode_frames(dir / "index_only.mp4"); });
  EXPECT_TRUE(contains_text(e, (dir / "index_only.mp4").string() + ": no frame could be decoded"))
      << e;
}

TEST(DecodeFrames, RejectsAHalfGivenSize) {
  DecodeRequest r;
  r.width = 32;
  const std::string e =
      error_of([&] { decode_frames(video_fixture("h264_64x48_17f_15fps.mp4"), r); });
  EXPECT_TRUE(contains_text(e, "h264_64x48_17f_15fps.mp4: output size 32x0 is not a size")) << e;
}

// Resizing against ATen's antialiased bicubic resize of the CLI's full-size frames (libswscale
// widens its bicubic kernel by the reduction factor, as ATen and PIL do). Compared on luma,
// which does not depend on chroma upsampling: the CLI's frames take each pixel's chroma from
// the nearest chroma sample while the resize interpolates it, which moves RGB values by tens
// at sharp colour edges (bounded separately and more loosely). Measured on these sizes: luma
// mean 0.9..1.6, max 16.2; RGB mean 1.6..4.8; luma of a one-pixel shift 9.5..17.
TEST(DecodeFrames, ResizingIsCloseToAnAntialiasedBicubicResize) {
  const at::Tensor source = cli_frames("vp9_64x48_17f_15fps");
  for (auto [w, h] : {std::pair{32, 24}, std::pair{40, 30}, std::pair{24, 40}, std::pair{96, 72}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    DecodeRequest r;
    r.width = w;
    r.height = h;
    const at::Tensor frames = decode_frames(video_fixture("vp9_64x48_17f_15fps.webm"), r);
    ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{17, h, w, 3}));
    const at::Tensor expected =
        packed(at::_upsample_bicubic2d_aa(planar(source), {h, w}, /*align_corners=*/false));
    EXPECT_LT(mean_abs_diff(luma(frames), luma(expected)), 2.5);
    EXPECT_LT(max_abs_diff(luma(frames), luma(expected)), 25.0);
    EXPECT_LT(mean_abs_diff(frames, expected), 6.0);
    // The bound tells apart a picture shifted by one output pixel.
    EXPECT_GT(mean_abs_diff(luma(frames).narrow(2, 1, w - 1), luma(expected).narrow(2, 0, w - 1)),
              8.0);
  }
}

// A 4:2:0 clip of odd size (33x17) with smooth colours, written as YUV4MPEG: the pixels must
// follow the BT.601 limited-range formula.
TEST(DecodeFrames, OddSizedYuvFollowsBt601) {
  const int64_t frames = 3, h = 17, w = 33;
  const at::Tensor yy = at::arange(h, at::kDouble).view({1, h, 1});
  const at::Tensor xx = at::arange(w, at::kDouble).view({1, 1, w});
  const at::Tensor t = at::arange(frames, at::kDouble).view({frames, 1, 1});
  const at::Tensor luma = (40 + 4 * xx + 5 * yy + 10 * t).clamp(16, 235).to(at::kByte);
  const int64_t ch = (h + 1) / 2, cw = (w + 1) / 2;
  const at::Tensor cy = at::arange(ch, at::kDouble).view({1, ch, 1});
  const at::Tensor cx = at::arange(cw, at::kDouble).view({1, 1, cw});
  const at::Tensor u = (100 + cx + t).expand({frames, ch, cw}).to(at::kByte);
  const at::Tensor v = (150 - 2 * cy + t).expand({frames, ch, cw}).to(at::kByte);
  test::TempDir dir;
  test::write_bytes(dir / "odd.y4m", test::y4m_bytes(luma, u, v, 15));

  const at::Tensor decoded = decode_frames(dir / "odd.y4m");
  ASSERT_EQ(decoded.sizes(), (std::vector<int64_t>{frames, h, w, 3}));
  // Chroma at full resolution by nearest sample; the smooth chroma keeps interpolation close.
  const at::Tensor rows = at::arange(h, at::kLong).div(2, "floor");
  const at::Tensor cols = at::arange(w, at::kLong).div(2, "floor");
  const at::Tensor cb = u.index_select(1, rows).index_select(2, cols).to(at::kDouble) - 128;
  const at::Tensor cr = v.index_select(1, rows).index_select(2, cols).to(at::kDouble) - 128;
  const at::Tensor y = (luma.to(at::kDouble) - 16) * (255.0 / 219);
  const double k = 255.0 / 224;
  const at::Tensor expected =
      at::stack({y + k * 1.402 * cr, y - k * (0.344136 * cb + 0.714136 * cr), y + k * 1.772 * cb},
                3)
          .round()
          .clamp(0, 255);
  EXPECT_LE(max_abs_diff(decoded, expected), 3.0);
}

// A BMP (bgr24) of odd size, written by hand: the pixels come back unchanged.
TEST(DecodeFrames, AnOddSizedBmpKeepsItsPixels) {
  const at::Tensor rgb = at::randint(0, 256, {17, 33, 3}, at::kByte);
  test::TempDir dir;
  test::write_bytes(dir / "odd.bmp", test::bmp_bytes(rgb));
  const at::Tensor frames = decode_frames(dir / "odd.bmp");
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, 17, 33, 3}));
  EXPECT_TRUE(at::equal(frames[0], rgb));
}

// A motion-JPEG stream whose second picture is smaller and 4:4:4 (the first and third are
// 64x48 4:2:0): every picture comes out at the first one's size.
TEST(DecodeFrames, PicturesThatChangeSizeAndFormatMidStream) {
  auto solid = [](int h, int w, int r, int g, int b) {
    return at::tensor({r, g, b}, at::kByte).view({1, 1, 3}).expand({h, w, 3}).contiguous();
  };
  test::TempDir dir;
  test::write_bytes(dir / "mixed.mjpeg",
                    test::jpeg_bytes(solid(48, 64, 200, 30, 30)) +
                        test::jpeg_bytes(solid(24, 32, 30, 200, 30), /*chroma_444=*/true) +
                        test::jpeg_bytes(solid(48, 64, 30, 30, 200)));
  const at::Tensor frames = decode_frames(dir / "mixed.mjpeg");
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{3, 48, 64, 3}));
  EXPECT_LE(max_abs_diff(frames[0], solid(48, 64, 200, 30, 30)), 3.0);
  EXPECT_LE(max_abs_diff(frames[1], solid(48, 64, 30, 200, 30)), 3.0);
  EXPECT_LE(max_abs_diff(frames[2], solid(48, 64, 30, 30, 200)), 3.0);
}

}  // namespace
}  // namespace reel
