// The tiny training setup shared by the trainer tests: the tiny pipeline
// (examples/wan21-t2v-tiny), the clips of examples/tiny, their prepared caches and settings
// that train a LoRA in a few seconds on CPU.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/safetensors.h"
#include "data/prepare_caches.h"
#include "test_paths.h"
#include "train/trainer_settings.h"

namespace reel::test {

namespace fs = std::filesystem;
inline const fs::path kSource = REEL_SOURCE_DIR;
inline const fs::path kPipeline = kSource / "examples" / "wan21-t2v-tiny";
inline const fs::path kClips = kSource / "examples" / "tiny" / "clips";

inline DatasetConfigs tiny_datasets(const fs::path& cache) {
  DatasetConfig clips;
  clips.id = "tiny-clips";
  clips.dataset_type = DatasetType::kVideo;
  clips.instance_data_dir = kClips.string();
  clips.caption_strategy = CaptionStrategy::kTextfile;
  clips.resolution = 96;
  clips.train_batch_size = 1;
  clips.text_embeds = "text";
  clips.cache_dir_vae = (cache / "vae").string();
  clips.video = VideoConfig{5, 5};
  DatasetConfig text;
  text.id = "text";
  text.dataset_type = DatasetType::kTextEmbeds;
  text.is_default = true;
  text.cache_dir = (cache / "text").string();
  DatasetConfigs all;
  all.entries = {clips, text};
  return all;
}

inline Preparation prepare(const DatasetConfigs& datasets) {
  PrepareSettings s;
  s.encoders = {kPipeline, kPipeline, kPipeline, {}};
  s.scan.show_progress = false;
  Preparation p = prepare_caches(datasets, s);
  EXPECT_TRUE(p.ok());
  return p;
}

inline TrainerSettings tiny_settings(const fs::path& output_dir) {
  TrainerSettings s;
  s.output_dir = output_dir;
  s.base_model = kPipeline.string();
  s.flavour = "t2v-480p-1.3b-2.1";
  s.transformer = kPipeline;
  s.lora.rank = 4;
  s.lora.dropout = 0.1;
  s.optimizer = "adamw";
  s.optimizer_settings = default_optimizer_settings("adamw");
  s.lr.name = "constant";
  s.lr.learning_rate = 2e-3;
  s.seed = 7;
  s.lora.seed = 7;
  s.max_train_steps = 8;
  s.caption_dropout_probability = 0.25;
  s.gradient_accumulation_steps = 2;
  s.max_grad_norm = 1.0;
  s.use_ema = true;
  s.ema.decay = 0.9;
  return s;
}

inline std::vector<double> losses(const fs::path& output_dir) {
  std::vector<double> out;
  std::ifstream in(output_dir / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    out.push_back(nlohmann::json::parse(line)["train_loss"].get<double>());
  }
  return out;
}

inline void expect_same_adapter(const fs::path& a, const fs::path& b) {
  SafetensorsFile fa = SafetensorsFile::open(a), fb = SafetensorsFile::open(b);
  ASSERT_EQ(fa.tensors().size(), fb.tensors().size());
  for (const TensorInfo& t : fa.tensors()) {
    EXPECT_TRUE(at::equal(fa.tensor(t.name), fb.tensor(t.name))) << t.name;
  }
}

}  // namespace reel::test
