// The training loop end to end on CPU with the tiny pipeline (examples/wan21-t2v-tiny) and the
// tiny clips of examples/tiny: training lowers the flow-matching loss of the data, the saved
// adapter changes the model when loaded back, and a run stopped with Ctrl-C, or killed after
// a checkpoint, resumes to the same losses and the same adapter, bit for bit.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/adapter_network.h"
#include "adapters/lora_file.h"
#include "core/safetensors.h"
#include "data/latent_cache.h"
#include "data/prepare_caches.h"
#include "data/text_embed_cache.h"
#include "models/wan/wan_transformer_loader.h"
#include "support/temp_dir.h"
#include "test_paths.h"
#include "train/checkpoint_folders.h"
#include "train/flow_matching.h"
#include "train/trainer.h"
#include "train/trainer_test_support.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using namespace test;

// The flow-matching loss of every cached clip at fixed sigmas and noise: a deterministic
// measure of how well the model (with or without the adapter) fits the data.
double data_loss(const Preparation& p, const fs::path& text_dir, const fs::path& adapter) {
  WanTransformer model = load_wan_transformer(kPipeline);
  std::optional<AdapterNetwork> net;
  if (!adapter.empty())
    net.emplace(AdapterNetwork::from_weights(model, load_adapter_file(adapter).modules));
  c10::InferenceMode no_grad;
  const DatasetPreparation& d = p.datasets.at(0);
  LatentCacheSettings ls;
  ls.dir = d.latent_dir;
  TextEmbedCacheSettings ts;
  ts.dir = text_dir;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(123);
  double total = 0;
  int n = 0;
  for (const Sample& sample : d.scan.samples) {
    at::Tensor x0 = LatentCache(ls).load(sample).get("latents").unsqueeze(0);
    at::Tensor text = TextEmbedCache(ts).load(sample.captions[0]).prompt_embeds.unsqueeze(0);
    for (double sigma : {0.25, 0.5, 0.75}) {
      at::Tensor noise = at::randn(x0.sizes(), g);
      FlowInputs in = flow_inputs(x0, noise, at::full({1}, sigma));
      at::Tensor pred = model.forward({in.noisy, in.timesteps, text, {}}).sample;
      total += (pred - in.target).pow(2).mean().item<double>();
      ++n;
    }
  }
  return total / n;
}

class TrainerTest : public testing::Test {
 protected:
  void SetUp() override {
    datasets_ = tiny_datasets(dir_ / "cache");
    prepared_ = prepare(datasets_);
  }
  test::TempDir dir_;
  DatasetConfigs datasets_;
  Preparation prepared_;
};

TEST_F(TrainerTest, TrainingLowersTheLossOfTheDataAndTheAdapterChangesTheModel) {
  TrainerSettings s = tiny_settings(dir_ / "run");
  s.max_train_steps = 40;
  s.gradient_accumulation_steps = 1;
  s.caption_dropout_probability = 0;
  s.use_ema = false;
  TrainResult r = train(s, prepared_, datasets_);
  EXPECT_EQ(r.global_step, 40);
  ASSERT_TRUE(fs::exists(r.adapter));
  EXPECT_TRUE(fs::exists(dir_ / "run" / "README.md"));
  const double before = data_loss(prepared_, dir_ / "cache" / "text", {});
  const double after = data_loss(prepared_, dir_ / "cache" / "text", r.adapter);
  EXPECT_LT(after, before * 0.95) << "before " << before << ", after " << after;
}

TEST_F(TrainerTest, ACtrlCStopsWithACheckpointAndTheResumedRunIsExact) {
  TrainerSettings whole = tiny_settings(dir_ / "whole");
  TrainResult uninterrupted = train(whole, prepared_, datasets_);
  ASSERT_EQ(uninterrupted.global_step, 8);

  TrainerSettings stopped = tiny_settings(dir_ / "stopped");
  stopped.on_step = [](int64_t step) {
    if (step == 3) raise(SIGINT);
  };
  TrainResult first = train(stopped, prepared_, datasets_);
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(first.global_step, 3);
  EXPECT_EQ(first.last_checkpoint, dir_ / "stopped" / "checkpoint-3");

  stopped.on_step = nullptr;
  stopped.resume_from_checkpoint = "latest";
  TrainResult resumed = train(stopped, prepared_, datasets_);
  EXPECT_EQ(resumed.resumed_from, 3);
  EXPECT_EQ(resumed.global_step, 8);
  EXPECT_EQ(losses(dir_ / "stopped"), losses(dir_ / "whole"));
  expect_same_adapter(dir_ / "stopped" / "pytorch_lora_weights.safetensors",
                      dir_ / "whole" / "pytorch_lora_weights.safetensors");
  expect_same_adapter(dir_ / "stopped" / "ema" / "pytorch_lora_weights.safetensors",
                      dir_ / "whole" / "ema" / "pytorch_lora_weights.safetensors");
}

TEST_F(TrainerTest, CheckpointsRotateAndHoldAResumableState) {
  TrainerSettings s = tiny_settings(dir_ / "run");
  s.checkpoint_step_interval = 2;
  s.checkpoints_total_limit = 2;
  train(s, prepared_, datasets_);
  auto left = list_checkpoints(dir_ / "run");
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].step, 4);
  EXPECT_EQ(left[1].step, 6);
  for (const char* f : {"pytorch_lora_weights.safetensors", "training_state.safetensors",
                        "training_state.json", "ema/pytorch_lora_weights.safetensors"}) {
    EXPECT_TRUE(fs::exists(left[1].path / f)) << f;
  }
}

// Wan 2.2 I2V (high-noise expert): the transformer takes [noisy, mask, first-frame latents]
// (36 channels) and trains on its own sigma range only.
TEST(TrainerImageToVideo, TrainsTheHighNoiseExpertOnFirstFrameConditioning) {
  test::TempDir dir;
  const fs::path pipeline = dir / "i2v";
  fs::create_directories(pipeline);
  for (const char* part : {"vae", "text_encoder", "tokenizer"})
    fs::create_directory_symlink(kPipeline / part, pipeline / part);
  fs::create_directory_symlink(fs::path(REEL_FIXTURES_DIR) / "wan22_i2v_tiny" / "transformer",
                               pipeline / "transformer");
  DatasetConfigs datasets = tiny_datasets(dir / "cache");
  PrepareSettings caches;
  caches.encoders = {pipeline, pipeline, pipeline, {}};
  caches.image_to_video = true;
  caches.scan.show_progress = false;
  Preparation prepared = prepare_caches(datasets, caches);
  ASSERT_TRUE(prepared.ok());

  TrainerSettings s = tiny_settings(dir / "run");
  s.transformer = pipeline;
  s.flavour = "i2v-14b-2.2-high";
  s.image_to_video = true;
  s.flow.sigma_range = expert_sigma_range("high", 0.9);
  s.max_train_steps = 3;
  TrainResult r = train(s, prepared, datasets);
  EXPECT_EQ(r.global_step, 3);
  EXPECT_TRUE(fs::exists(r.adapter));
  for (double loss : losses(dir / "run")) EXPECT_TRUE(std::isfinite(loss)) << loss;
}

}  // namespace
}  // namespace reel
