// `reel sample` with the tiny pipeline: an mp4 with the requested frames, size and rate that
// the ffmpeg CLI reads back; the same seed gives the same frames, another seed other frames;
// an adapter changes them; Wan 2.2's image-to-video pipeline with its two experts renders from
// a first frame.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>

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

// What the ffprobe CLI says of a video's stream: "codec,width,height,rate,frames".
std::string ffprobe(const fs::path& file) {
  const std::string command =
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=codec_name,width,height,r_frame_rate,nb_read_frames "
      "-of csv=p=0 '" +
      file.string() + "'";
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(SampleCommand, WritesAnMp4WithTheRequestedFramesSizeAndRate) {
  test::TempDir dir;
  Result r = sample(dir / "a.mp4", "5");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "5 frames 64x48 at 12 fps")) << r.out;
  EXPECT_EQ(ffprobe(dir / "a.mp4"), "h264,64,48,12/1,5");
  MediaInfo info = probe_media(dir / "a.mp4");
  EXPECT_EQ(info.frame_count, 5);
  EXPECT_DOUBLE_EQ(info.fps, 12.0);
}

// A Wan 2.2 I2V pipeline: the tiny experts (transformer = high noise, transformer_2 = low)
// beside the tiny VAE and text encoder.
fs::path wan22_i2v_pipeline(const test::TempDir& dir) {
  const fs::path pipeline = dir / "wan22-i2v";
  fs::create_directories(pipeline);
  for (const char* part : {"vae", "text_encoder", "tokenizer", "scheduler"})
    fs::create_directory_symlink(fs::path(kPipeline) / part, pipeline / part);
  for (const char* part : {"transformer", "transformer_2"})
    fs::create_directory_symlink(fs::path(REEL_FIXTURES_DIR) / "wan22_i2v_tiny" / part,
                                 pipeline / part);
  dir.write("wan22-i2v/model_index.json",
            R"({"_class_name": "WanImageToVideoPipeline", "boundary_ratio": 0.9})");
  return pipeline;
}

TEST(SampleCommand, ImageToVideoWithTwoExpertsStartsFromTheImage) {
  test::TempDir dir;
  const fs::path pipeline = wan22_i2v_pipeline(dir);
  const std::string image = std::string(REEL_FIXTURES_DIR) + "/video_io/image_64x48.png";
  auto run = [&](const std::string& name, const std::string& first) {
    return reel({"sample", "--model", pipeline.string(), "--prompt", "a cat", "--image", first,
                 "--steps", "3", "--frames", "5", "--resolution", "32x16", "--guidance", "3",
                 "--guidance-2", "2", "--output", (dir / name).string()});
  };
  Result r = run("a.mp4", image);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(ffprobe(dir / "a.mp4"), "h264,32,16,16/1,5");
  const std::string clip = std::string(REEL_FIXTURES_DIR) + "/video_io/h264_64x48_17f_15fps.mp4";
  ASSERT_EQ(run("b.mp4", clip).code, 0);
  EXPECT_FALSE(at::equal(decode_frames(dir / "a.mp4"), decode_frames(dir / "b.mp4")));

  Result missing = reel({"sample", "--model", pipeline.string(), "--prompt", "a cat", "--output",
                         (dir / "c.mp4").string()});
  EXPECT_NE(missing.code, 0);
  EXPECT_TRUE(contains(missing.err, "--image")) << missing.err;
}

TEST(SampleCommand, SkipLayerGuidanceChangesTheVideo) {
  test::TempDir dir;
  ASSERT_EQ(sample(dir / "plain.mp4", "5").code, 0);
  ASSERT_EQ(sample(dir / "slg.mp4", "5", {"--skip-layers", "0", "--skip-start", "0"}).code, 0);
  EXPECT_FALSE(at::equal(decode_frames(dir / "plain.mp4"), decode_frames(dir / "slg.mp4")));
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
