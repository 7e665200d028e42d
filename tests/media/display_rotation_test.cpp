// Rotation metadata: a copy of the baseline clip tagged to be turned for display. The
// expected frames are the CLI's frames of the untagged clip turned with at::rot90; that the
// ffmpeg 5.1 CLI's autorotation gives exactly these for such files was checked by hand
// (a phone's "turn 90° clockwise" matrix gives rot90(frames, -1): clockwise).
#include "media/display_rotation.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "media/media_info.h"
#include "media/media_test_files.h"
#include "media/video_decoder.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::cli_frames;
using test::video_fixture;

struct Turn {
  int clockwise;
  int rot90_k;  // at::rot90 turns counter-clockwise for k > 0 over dims (H, W)
};

TEST(DisplayRotation, ProbeAndDecodeTurnTheClipAsTheCliDoes) {
  const at::Tensor upright = cli_frames("h264_64x48_17f_15fps");
  for (Turn turn : {Turn{90, -1}, Turn{180, 2}, Turn{270, 1}}) {
    SCOPED_TRACE(turn.clockwise);
    test::TempDir dir;
    const auto path = dir / "turned.mp4";
    test::copy_with_rotation(video_fixture("h264_64x48_17f_15fps.mp4"), path, turn.clockwise);

    const MediaInfo info = probe_media(path);
    EXPECT_EQ(info.rotation, turn.clockwise);
    const bool sideways = turn.clockwise != 180;
    EXPECT_EQ(info.width, sideways ? 48 : 64);
    EXPECT_EQ(info.height, sideways ? 64 : 48);
    EXPECT_EQ(info.frame_count, 17);

    const at::Tensor frames = decode_frames(path);
    EXPECT_TRUE(frames.is_contiguous());
    EXPECT_TRUE(at::equal(frames, at::rot90(upright, turn.rot90_k, {1, 2})));
  }
}

// A requested size is in display orientation; the picture is scaled before it is turned.
TEST(DisplayRotation, ARequestedSizeIsTheTurnedSize) {
  test::TempDir dir;
  const auto path = dir / "turned.mp4";
  test::copy_with_rotation(video_fixture("h264_64x48_17f_15fps.mp4"), path, 90);
  DecodeRequest r;
  r.width = 24;
  r.height = 32;
  r.max_frames = 3;
  const at::Tensor frames = decode_frames(path, r);
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{3, 32, 24, 3}));

  DecodeRequest upright_request;
  upright_request.width = 32;
  upright_request.height = 24;
  upright_request.max_frames = 3;
  const at::Tensor upright =
      decode_frames(video_fixture("h264_64x48_17f_15fps.mp4"), upright_request);
  EXPECT_TRUE(at::equal(frames, at::rot90(upright, -1, {1, 2})));
}

TEST(DisplayRotation, TurnsTensorsClockwise) {
  // One 2x3 frame with one channel: 0 1 2 / 3 4 5.
  const at::Tensor f = at::arange(6, at::kByte).view({1, 2, 3, 1});
  auto values = [](const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return std::vector<int>(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
  };
  EXPECT_EQ(rotate_for_display(f, 0).sizes(), f.sizes());
  const at::Tensor cw = rotate_for_display(f, 90);
  EXPECT_EQ(cw.sizes(), (std::vector<int64_t>{1, 3, 2, 1}));
  EXPECT_EQ(values(cw), (std::vector<int>{3, 0, 4, 1, 5, 2}));
  EXPECT_EQ(values(rotate_for_display(f, 180)), (std::vector<int>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(rotate_for_display(f, 270)), (std::vector<int>{2, 5, 1, 4, 0, 3}));
}

}  // namespace
}  // namespace reel
