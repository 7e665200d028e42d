// `reel debug decode` through the command line, against the ffmpeg CLI's frames of the
// fixtures.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "app/run_reel.h"
#include "core/safetensors.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains;
using test::reel;
using test::Result;

std::string video_fixture(const std::string& name) {
  return std::string(REEL_FIXTURES_DIR) + "/video_io/" + name;
}

at::Tensor cli_frames(const std::string& stem) {
  return SafetensorsFile::open(video_fixture("decoded_frames.safetensors")).tensor(stem + "/rgb24");
}

TEST(DebugDecode, WritesTheFramesAndTheProbedMetadata) {
  test::TempDir dir;
  const std::string out = (dir / "frames.safetensors").string();
  Result r = reel({"debug", "decode", video_fixture("vp9_64x48_17f_15fps.webm"), "--output", out,
                   "--frames", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "5 frames 64x48 at 15 fps, vp9 64x48 -> " + out + "\n");
  SafetensorsFile f = SafetensorsFile::open(out);
  EXPECT_TRUE(at::equal(f.tensor("frames"), cli_frames("vp9_64x48_17f_15fps").narrow(0, 0, 5)));
  EXPECT_EQ(f.metadata().at("frame_count"), "17");
  EXPECT_EQ(f.metadata().at("fps"), "15");
  EXPECT_EQ(f.metadata().at("codec"), "vp9");
  EXPECT_EQ(f.metadata().at("kind"), "video");
  EXPECT_EQ(f.metadata().at("has_audio"), "false");
}

TEST(DebugDecode, ResizesToTheGivenSize) {
  test::TempDir dir;
  const std::string out = (dir / "frames.safetensors").string();
  Result r = reel({"debug", "decode", video_fixture("image_64x48.png"), "--output", out, "--width",
                   "32", "--height", "24"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1 frame 32x24, png 64x48 -> " + out + "\n");
  SafetensorsFile f = SafetensorsFile::open(out);
  EXPECT_EQ(f.tensor("frames").sizes(), (std::vector<int64_t>{1, 24, 32, 3}));
  EXPECT_EQ(f.metadata().at("kind"), "image");
}

TEST(DebugDecode, ABrokenFileIsAnErrorNamingIt) {
  test::TempDir dir;
  const std::string file = video_fixture("truncated_no_moov.mp4");
  Result r = reel({"debug", "decode", file, "--output", (dir / "x.safetensors").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, file + ": not a media file FFmpeg can read")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));
}

TEST(DebugDecode, WidthWithoutHeightIsAnError) {
  test::TempDir dir;
  Result r = reel({"debug", "decode", video_fixture("image_64x48.png"), "--output",
                   (dir / "x.safetensors").string(), "--width", "32"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "key '--height': give both --width and --height")) << r.err;
}

}  // namespace
}  // namespace reel
