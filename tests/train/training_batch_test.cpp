// BatchLoader over caches that prepare_caches() filled from real clips with the tiny models.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <set>

#include "data/prepare_caches.h"
#include "support/temp_dir.h"
#include "test_paths.h"
#include "train/training_batch.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
const fs::path kPipeline = fs::path(REEL_SOURCE_DIR) / "examples" / "wan21-t2v-tiny";
const fs::path kMedia = fs::path(REEL_FIXTURES_DIR) / "video_io";

class BatchLoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "clips");
    fs::copy_file(kMedia / "h264_64x48_17f_15fps.mp4", dir_ / "clips" / "a.mp4");
    dir_.write("clips/a.txt", "first line\nsecond line");
    fs::copy_file(kMedia / "vp9_64x48_17f_15fps.webm", dir_ / "clips" / "b.webm");
    dir_.write("clips/b.txt", "only caption");

    DatasetConfig clips;
    clips.id = "clips";
    clips.dataset_type = DatasetType::kVideo;
    clips.instance_data_dir = (dir_ / "clips").string();
    clips.caption_strategy = CaptionStrategy::kTextfile;
    clips.resolution = 64;
    clips.train_batch_size = 1;
    clips.text_embeds = "text";
    clips.cache_dir_vae = (dir_ / "vae").string();
    clips.video = VideoConfig{5, 5};
    DatasetConfig text;
    text.id = "text";
    text.dataset_type = DatasetType::kTextEmbeds;
    text.is_default = true;
    text.cache_dir = (dir_ / "text").string();
    configs_.entries = {clips, text};

    settings_.encoders = {kPipeline, kPipeline, kPipeline, {}};
    settings_.scan.show_progress = false;
    prepared_ = prepare_caches(configs_, settings_);
    ASSERT_TRUE(prepared_.ok());
    ASSERT_EQ(prepared_.datasets.at(0).scan.samples.size(), 2u);
  }

  BatchLoader loader() {
    const auto& d = prepared_.datasets.at(0);
    TextEmbedCacheSettings text;
    text.dir = dir_ / "text";
    LatentCacheSettings latents;
    latents.dir = d.latent_dir;
    return BatchLoader(d.scan.samples, LatentCache(latents), TextEmbedCache(text),
                       TextEmbedCache(text), std::nullopt, {false});
  }

  test::TempDir dir_;
  DatasetConfigs configs_;
  PrepareSettings settings_;
  Preparation prepared_;
};

TEST_F(BatchLoaderTest, StacksTheCachedLatentsAndEmbeddings) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1);
  TrainingBatch batch = loader().load({1, 0}, {false, false}, g);
  const auto& samples = prepared_.datasets.at(0).scan.samples;
  LatentCacheSettings latents;
  latents.dir = prepared_.datasets.at(0).latent_dir;
  EXPECT_EQ(batch.latents.sizes(), (std::vector<int64_t>{2, 16, 2, 8, 8}));
  EXPECT_TRUE(at::equal(batch.latents[0], LatentCache(latents).load(samples[1]).get("latents")));
  EXPECT_TRUE(at::equal(batch.latents[1], LatentCache(latents).load(samples[0]).get("latents")));
  ASSERT_EQ(batch.captions.size(), 2u);
  TextEmbedCacheSettings text;
  text.dir = dir_ / "text";
  EXPECT_TRUE(at::equal(batch.prompt_embeds[0],
                        TextEmbedCache(text).load(batch.captions[0]).prompt_embeds));
  EXPECT_EQ(batch.prompt_embeds.size(1), 512);
  EXPECT_FALSE(batch.first_frame_latents.defined());
}

TEST_F(BatchLoaderTest, CaptionLinesAreDrawnFromTheGenerator) {
  std::set<std::string> seen;
  std::vector<std::string> first_run;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(7);
  BatchLoader l = loader();
  for (int i = 0; i < 40; ++i) {
    std::string c = l.load({0}, {false}, g).captions[0];
    seen.insert(c);
    first_run.push_back(c);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"first line", "second line"}));
  at::Generator again = at::make_generator<at::CPUGeneratorImpl>(7);
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(l.load({0}, {false}, again).captions[0], first_run[i]) << i;
}

TEST_F(BatchLoaderTest, DroppedCaptionsUseTheEmptyPromptEmbedding) {
  at::Generator g2 = at::make_generator<at::CPUGeneratorImpl>(3);
  TrainingBatch dropped = loader().load({0, 1}, {true, false}, g2);
  EXPECT_EQ(dropped.captions, (std::vector<std::string>{"", "only caption"}));
  TextEmbedCacheSettings text;
  text.dir = dir_ / "text";
  EXPECT_TRUE(at::equal(dropped.prompt_embeds[0], TextEmbedCache(text).load("").prompt_embeds));
  EXPECT_FALSE(at::equal(dropped.prompt_embeds[1], dropped.prompt_embeds[0]));
}

}  // namespace
}  // namespace reel
