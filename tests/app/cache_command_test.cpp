// `reel cache` end to end on a tiny dataset of real clips with the tiny pipeline in
// examples/wan21-t2v-tiny: the latents it writes are the VAE's encoding of the clips, the
// text embeddings are what `reel debug encode-prompt` computes, bad files are skipped with
// their reason, and a second run encodes nothing.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "app/run_reel.h"
#include "config/dataset_config_loader.h"
#include "core/safetensors.h"
#include "data/dataset_scan.h"
#include "data/image_embed_cache.h"
#include "data/latent_cache.h"
#include "data/prepare_caches.h"
#include "data/sample_frames.h"
#include "data/text_embed_cache.h"
#include "models/wan/wan_vae_loader.h"
#include "support/temp_dir.h"
#include "test_paths.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::reel;
using test::Result;

const fs::path kMedia = fs::path(REEL_FIXTURES_DIR) / "video_io";
const fs::path kPipeline = fs::path(REEL_SOURCE_DIR) / "examples" / "wan21-t2v-tiny";

class CacheCommand : public testing::Test {
 protected:
  void SetUp() override {
    fs::path clips = dir_ / "clips";
    fs::create_directories(clips);
    add("red.mp4", "h264_64x48_17f_15fps.mp4", "a red ball bounces");
    add("tall.mp4", "portrait_h264_48x64_17f_15fps.mp4", "a tall tower\na tall tree");
    add("broken.mp4", "not_a_video.mp4", "never used");
    add("short.mp4", "short_3f_h264_64x48_15fps.mp4", "too short");
    // Its header promises 17 frames; only 8 decode, which shows when the latents are made.
    add("cut.mp4", "truncated_faststart.mp4", "cut short");
    json datasets = json::array();
    datasets.push_back({{"id", "clips"},
                        {"type", "local"},
                        {"dataset_type", "video"},
                        {"instance_data_dir", clips.string()},
                        {"caption_strategy", "textfile"},
                        {"resolution", 64},
                        {"resolution_type", "pixel_area"},
                        {"cache_dir_vae", (dir_ / "cache" / "vae").string()},
                        {"video", {{"num_frames", 9}, {"min_frames", 9}}}});
    datasets.push_back({{"id", "text"},
                        {"type", "local"},
                        {"dataset_type", "text_embeds"},
                        {"default", true},
                        {"cache_dir", (dir_ / "cache" / "text").string()}});
    dir_.write("multidatabackend.json", datasets.dump(2));
    json config = {{"model_family", "wan"},
                   {"pretrained_model_name_or_path", kPipeline.string()},
                   {"data_backend_config", (dir_ / "multidatabackend.json").string()},
                   {"output_dir", (dir_ / "output").string()},
                   {"train_batch_size", 1},
                   // One clip per VAE call, so the latents are bit-equal to a direct encode
                   // (batched convolutions may round differently).
                   {"vae_batch_size", 1},
                   {"compress_disk_cache", true},
                   {"validation_prompt", "a validation prompt"}};
    dir_.write("config.json", config.dump(2));
  }

  void add(const std::string& name, const std::string& fixture, const std::string& caption) {
    fs::copy_file(kMedia / fixture, dir_ / "clips" / name);
    dir_.write("clips/" + fs::path(name).stem().string() + ".txt", caption);
  }

  Result cache() { return reel({"cache", "--config", (dir_ / "config.json").string()}); }

  DatasetConfigs datasets() {
    Diagnostics diags;
    return load_dataset_config(dir_ / "multidatabackend.json", DatasetDefaults{}, diags);
  }

  test::TempDir dir_;
};

TEST_F(CacheCommand, ReportsWhatItFoundAndSkipped) {
  Result r = cache();
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "dataset clips (video")) << r.out;
  EXPECT_TRUE(contains(r.out, "files found   5")) << r.out;
  EXPECT_TRUE(contains(r.out, "used          2")) << r.out;
  EXPECT_TRUE(contains(r.out, "skipped       3")) << r.out;
  EXPECT_TRUE(contains(r.out, "unreadable 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "too few frames 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "truncated 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 (2 encoded now)")) << r.out;
  // Captions: "a red ball bounces", two lines of tall.txt, "cut short" (the clip's length
  // shows only later), "" (dropout), the validation prompt and the default validation
  // negative prompt.
  EXPECT_TRUE(contains(r.out, "7 (7 encoded now)")) << r.out;
}

TEST_F(CacheCommand, LatentsAreTheVaeEncodingOfTheClips) {
  ASSERT_EQ(cache().code, 0);
  DatasetConfigs all = datasets();
  const DatasetConfig& clips = *all.find("clips");
  ScanOptions scan;
  scan.metadata_path = metadata_cache_path(clips);
  scan.show_progress = false;
  DatasetScan found = scan_dataset(clips, scan);
  ASSERT_EQ(found.samples.size(), 2u);

  WanVae vae = load_wan_vae(kPipeline);
  c10::InferenceMode no_grad;
  for (const Sample& sample : found.samples) {
    LatentCacheSettings settings;
    settings.dir = clips.cache_dir_vae;
    settings.vae_identity = "unused for load";
    CacheEntry entry = LatentCache(settings).load(sample);
    at::Tensor pixels = pixels_to_vae_input(sample_pixels(sample)).unsqueeze(0);
    at::Tensor expected = vae.normalize(vae.encode(pixels).mean)[0];
    EXPECT_TRUE(at::equal(entry.get("latents"), expected)) << sample.relative_path;
    EXPECT_EQ(entry.get("latents").size(1), 3) << "9 frames -> 3 latent frames";
  }
}

TEST_F(CacheCommand, TextEmbedsEqualEncodePrompt) {
  ASSERT_EQ(cache().code, 0);
  const std::string caption = "a tall tree";
  Result e = reel({"debug", "encode-prompt", "--model", kPipeline.string(), "--output",
                   (dir_ / "prompt.safetensors").string(), caption});
  ASSERT_EQ(e.code, 0) << e.err;
  SafetensorsFile expected = SafetensorsFile::open(dir_ / "prompt.safetensors");

  TextEmbedCacheSettings settings;
  settings.dir = dir_ / "cache" / "text";
  TextEmbedding cached = TextEmbedCache(settings).load(caption);
  EXPECT_TRUE(at::equal(cached.prompt_embeds, expected.tensor("prompt_embeds")[0]));
  EXPECT_TRUE(at::equal(cached.attention_mask, expected.tensor("attention_mask")[0]));
}

TEST_F(CacheCommand, SecondRunEncodesNothingAndAChangedClipIsReencoded) {
  ASSERT_EQ(cache().code, 0);
  Result again = cache();
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "2 (0 encoded now)")) << again.out;
  // The cut clip is known to be short now (skipped before its caption is read).
  EXPECT_TRUE(contains(again.out, "truncated 1")) << again.out;
  EXPECT_TRUE(contains(again.out, "6 (0 encoded now)")) << again.out;
  EXPECT_FALSE(contains(again.err, "loading the VAE")) << again.err;
  EXPECT_FALSE(contains(again.err, "loading the text encoder")) << again.err;

  fs::path red = dir_ / "clips" / "red.mp4";
  fs::last_write_time(red, fs::last_write_time(red) + std::chrono::seconds(5));
  Result changed = cache();
  ASSERT_EQ(changed.code, 0) << changed.err;
  EXPECT_TRUE(contains(changed.out, "2 (1 encoded now)")) << changed.out;
}

// Wan 2.1 I2V: the latent entries also hold the first-frame condition latents, and the CLIP
// image embeddings of each clip's first frame are cached. The pipeline is put together from
// the tiny parts: the example's VAE and text encoder, the I2V transformer, the CLIP encoder.
TEST_F(CacheCommand, ImageToVideoCachesFirstFrameLatentsAndClipEmbeds) {
  const fs::path fixtures = REEL_FIXTURES_DIR;
  const fs::path pipeline = dir_ / "i2v-pipeline";
  fs::create_directories(pipeline);
  for (const char* part : {"vae", "text_encoder", "tokenizer"})
    fs::create_directory_symlink(kPipeline / part, pipeline / part);
  fs::create_directory_symlink(fixtures / "wan21_i2v_tiny" / "transformer",
                               pipeline / "transformer");
  for (const char* part : {"image_encoder", "image_processor"})
    fs::create_directory_symlink(fixtures / "clip_vision_tiny" / part, pipeline / part);
  dir_.write("i2v-pipeline/model_index.json", R"({"_class_name": "WanImageToVideoPipeline"})");

  Result r = reel({"cache", "--config", (dir_ / "config.json").string(), "--model_flavour",
                   "i2v-14b-2.1", "--pretrained_model_name_or_path", pipeline.string(),
                   "--cache_dir", (dir_ / "cache").string()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "image embeds  2 (2 encoded now)")) << r.out;

  DatasetConfigs all = datasets();
  const DatasetConfig& clips = *all.find("clips");
  ScanOptions scan;
  scan.metadata_path = metadata_cache_path(clips);
  scan.show_progress = false;
  for (const Sample& sample : scan_dataset(clips, scan).samples) {
    LatentCacheSettings settings;
    settings.dir = clips.cache_dir_vae;
    CacheEntry entry = LatentCache(settings).load(sample);
    EXPECT_EQ(entry.get("first_frame_latents").sizes(), entry.get("latents").sizes());
    // The first latent frame of both is frame 0 encoded alone (the VAE is causal).
    EXPECT_TRUE(at::allclose(entry.get("first_frame_latents").select(1, 0),
                             entry.get("latents").select(1, 0), 1e-5, 1e-5));
    EXPECT_FALSE(at::allclose(entry.get("first_frame_latents"), entry.get("latents")));

    ImageEmbedCacheSettings embed_settings;
    embed_settings.dir = dir_ / "cache" / "conditioning_image_embeds" / "clips";
    // 28x28 pixels in 14x14 patches: 4 patches and the class token, width 32.
    EXPECT_EQ(ImageEmbedCache(embed_settings).load(sample).get("image_embeds").sizes(),
              (std::vector<int64_t>{5, 32}));
  }
}

TEST_F(CacheCommand, ADatasetWithoutUsableClipsFailsWithTheReason) {
  fs::remove(dir_ / "clips" / "red.mp4");
  fs::remove(dir_ / "clips" / "tall.mp4");
  Result r = cache();
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.out + r.err, "no samples detected in dataset")) << r.out << r.err;
}

TEST_F(CacheCommand, AMissingModelSaysHowToGetIt) {
  Result r = reel({"cache", "--config", (dir_ / "config.json").string(),
                   "--pretrained_model_name_or_path", "Nobody/NoSuchModel-Diffusers"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "huggingface-cli download Nobody/NoSuchModel-Diffusers")) << r.err;
}

}  // namespace
}  // namespace reel
