// `reel sample` with the tiny pipeline: an mp4 with the requested frames, size and rate that
// reads back; the same seed gives the same frames, another seed other frames; an adapter
// changes them.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "app/run_reel.h"
#include "media/media_info.h"
#include "media/video_decoder.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains;
using test::reel;
using test::Result;

const std::string kPipeline = std::string(REEL_SOURCE_DIR) + "/examples/wan21-t2v-tiny";

Result sample(const fs::path& out, const std::string& seed, std::vector<std::string> extra = {},
              const std::string& frames = "5", const std::string& resolution = "64x48") {
  std::vector<std::string> args = {
      "sample",  "--model", kPipeline,  "--prompt", "a cat",        "--negative", "blurry",
      "--steps", "3",       "--frames", frames,     "--resolution", resolution,   "--seed",
      seed,      "--fps",   "12",       "--output", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return reel(args);
}

TEST(SampleCommand, WritesAnMp4WithTheRequestedFramesSizeAndRate) {
  test::TempDir dir;
  Result r = sample(dir / "a.mp4", "5");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "5 frames 64x48 at 12 fps")) << r.out;
  MediaInfo info = probe_media(dir / "a.mp4");
  EXPECT_EQ(info.frame_count, 5);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_DOUBLE_EQ(info.fps, 12.0);
  EXPECT_EQ(info.codec, "h264");
}

TEST(SampleCommand, TheSameSeedGivesTheSameFrames) {
  test::TempDir dir;
  ASSERT_EQ(sample(dir / "a.mp4", "5").code, 0);
  ASSERT_EQ(sample(dir / "b.mp4", "5").code, 0);
  ASSERT_EQ(sample(dir / "c.mp4", "6").code, 0);
  at::Tensor a = decode_frames(dir / "a.mp4"), b = decode_frames(dir / "b.mp4"),
             c = decode_frames(dir / "c.mp4");
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
}

TEST(SampleCommand, AnAdapterChangesTheVideo) {
  test::TempDir dir;
  ASSERT_EQ(sample(dir / "base.mp4", "5").code, 0);
  const std::string lora = std::string(REEL_FIXTURES_DIR) + "/lora/lora_comfy.safetensors";
  Result r = sample(dir / "lora.mp4", "5", {"--lora", lora + ":1.0"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(at::equal(decode_frames(dir / "base.mp4"), decode_frames(dir / "lora.mp4")));
}

TEST(SampleCommand, BadSizesAreErrorsNamingTheValue) {
  test::TempDir dir;
  Result frames = sample(dir / "x.mp4", "1", {}, "6");
  EXPECT_NE(frames.code, 0);
  EXPECT_TRUE(contains(frames.err, "frames 6 is not 4k+1")) << frames.err;
  Result size = sample(dir / "x.mp4", "1", {}, "5", "60x48");
  EXPECT_NE(size.code, 0);
  EXPECT_TRUE(contains(size.err, "60x48 is not a multiple of 16")) << size.err;
  EXPECT_FALSE(fs::exists(dir / "x.mp4"));
}

}  // namespace
}  // namespace reel
