// Reel's option table against the spec: every key of config.md §2 is declared, every
// SimpleTuner key is recognised, and the Wan/Reel defaults are the spec's.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/option_registry.h"
#include "config/option_table.h"
#include "config/option_value.h"
#include "config/st_option_list.h"
#include "test_paths.h"

namespace reel {
namespace {

// Keys named in the first column of config.md §2's table. A cell may hold several:
// "a / b", "a, b", "x_start / _stop" (suffix replaces the last word of the key before),
// "text_encoder_1_precision (…_4)" and "enable_group_offload (+`group_offload_type` …,
// `_blocks_per_group` …)".
std::vector<std::string> spec_section2_keys() {
  std::ifstream in(REEL_FIXTURES_DIR "/../spec/config.md");
  EXPECT_TRUE(in) << "cannot read spec/config.md";
  std::string line;
  bool in_section = false;
  std::vector<std::string> keys;
  const std::regex word("`?([_a-z0-9]+)`?");
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line.rfind("## 2.", 0) == 0;
    if (!in_section || line.rfind("| ", 0) != 0 || line.rfind("| key", 0) == 0) continue;
    std::string cell = line.substr(2, line.find(" |", 2) - 2);
    if (cell.find("(…_4)") != std::string::npos) {
      for (int i = 1; i <= 4; ++i)
        keys.push_back("text_encoder_" + std::to_string(i) + "_precision");
      continue;
    }
    std::string last;
    for (auto it = std::sregex_iterator(cell.begin(), cell.end(), word);
         it != std::sregex_iterator(); ++it) {
      std::string w = (*it)[1];
      bool is_key = w.find('_') != std::string::npos || w == "seed" || w == "resolution" ||
                    w == "optimizer" || w == "ramtorch" || w == "framerate";
      // Values inside the parentheses ("block_level/leaf_level", "1", "false") are not keys.
      if (w == "block_level" || w == "leaf_level" || !is_key) continue;
      if (w[0] == '_') {
        w = last.substr(0, last.rfind('_')) + w;
      } else {
        last = w;
      }
      keys.push_back(w);
    }
  }
  return keys;
}

TEST(OptionTable, EveryKeyOfSpecSection2IsAReelOption) {
  auto keys = spec_section2_keys();
  ASSERT_GT(keys.size(), 120u) << "the §2 table parsed to too few keys";
  for (const auto& k : keys) {
    EXPECT_NE(OptionRegistry::instance().find(k), nullptr) << "spec §2 key not declared: " << k;
  }
  // Spot-check the expansion rules of the parser itself.
  std::set<std::string> set(keys.begin(), keys.end());
  for (const char* k :
       {"vae_enable_slicing", "flow_beta_schedule_beta", "group_offload_to_disk_path",
        "text_encoder_4_precision", "validation_guidance_skip_layers_stop", "use_dora", "cache_dir",
        "lr_end"}) {
    EXPECT_TRUE(set.count(k)) << k;
  }
}

TEST(OptionTable, EveryRowOfStOptionsTsvIsRecognised) {
  const auto& registry = OptionRegistry::instance();
  ASSERT_GT(st_options().size(), 500u);
  for (const auto& st : st_options()) {
    KeyKind kind = registry.classify(st.name);
    EXPECT_NE(kind, KeyKind::kUnknown) << st.name;
    if (st.type == "alias") EXPECT_EQ(kind, KeyKind::kAlias) << st.name;
  }
}

TEST(OptionTable, NamesAreUniqueAndDefaultsAreValidValues) {
  std::set<std::string> names;
  for (const auto& o : reel_options()) {
    EXPECT_TRUE(names.insert(o.name).second) << "declared twice: " << o.name;
    EXPECT_FALSE(o.group.empty()) << o.name;
    EXPECT_FALSE(o.help.empty()) << o.name;
    if (o.type == OptionType::kEnum) EXPECT_FALSE(o.choices.empty()) << o.name;
    if (!o.has_default) continue;
    auto c = convert_text_value(o, o.default_text);
    EXPECT_EQ(c.outcome, ConvertedValue::Outcome::kValue) << o.name << ": " << c.error;
  }
}

TEST(OptionTable, WanAndReelDefaultsFollowTheSpec) {
  const auto& r = OptionRegistry::instance();
  auto def = [&](const char* k) {
    const Option* o = r.find(k);
    EXPECT_NE(o, nullptr) << k;
    return o && o->has_default ? o->default_text : std::string("<none>");
  };
  EXPECT_EQ(def("lora_format"), "comfyui");  // ST: diffusers
  EXPECT_EQ(def("framerate"), "15");
  EXPECT_EQ(def("aspect_bucket_alignment"), "32");
  EXPECT_EQ(def("tokenizer_max_length"), "512");
  EXPECT_EQ(def("validation_disable_unconditional"), "true");
  EXPECT_EQ(def("vae_enable_tiling"), "true");
  EXPECT_EQ(def("model_flavour"), "t2v-480p-1.3b-2.1");
  EXPECT_EQ(def("caption_dropout_probability"), "0.1");  // the last ST registration wins
  EXPECT_EQ(def("compress_disk_cache"), "true");
  EXPECT_EQ(def("validation_guidance_skip_mode"), "sd3");
  EXPECT_EQ(def("wan_expert_timestep_restrict"), "true");
  EXPECT_EQ(def("learning_rate"), "4e-07");
  EXPECT_EQ(def("model_family"), "<none>");
  EXPECT_EQ(def("max_train_steps"), "<none>");
  // Reel-only values on top of ST's lists.
  auto choices = [&](const char* k) { return r.find(k)->choices; };
  auto has = [](std::vector<std::string> v, const char* x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(has(choices("lr_scheduler"), "cosine_warmup"));
  EXPECT_TRUE(has(choices("validation_noise_scheduler"), "flow_matching"));
  EXPECT_TRUE(has(choices("validation_noise_scheduler"), "euler_betas"));
  EXPECT_TRUE(has(choices("base_model_precision"), "int8-quanto"));  // taken from the tsv
  EXPECT_FALSE(has(choices("model_flavour"), "flf2v-14b-2.1"));
}

// `reel config check` tells users which of their options do nothing yet; an option is marked
// built only with the feature behind it (the foundation, `reel cache`, `reel train` and its
// validation).
TEST(OptionTable, OnlyImplementedOptionsAreMarkedBuilt) {
  std::set<std::string> built;
  for (const auto& o : reel_options()) {
    if (o.built) built.insert(o.name);
  }
  EXPECT_EQ(
      built,
      (std::set<std::string>{
          "data_backend_config", "log_level",
          // models the caches are made with
          "model_family", "model_flavour", "pretrained_model_name_or_path",
          "pretrained_vae_model_name_or_path", "pretrained_t5_model_name_or_path",
          "tokenizer_max_length",
          // datasets, buckets and caches
          "resolution", "resolution_type", "minimum_image_size", "aspect_bucket_alignment",
          "aspect_bucket_rounding", "cache_dir_text", "cache_dir_vae", "cache_dir",
          "compress_disk_cache", "vae_batch_size", "delete_problematic_images",
          "disable_bucket_pruning", "allow_dataset_oversubscription", "offload_during_startup",
          // the trainer
          "model_type", "output_dir", "train_batch_size",
          "pretrained_transformer_model_name_or_path", "pretrained_transformer_subfolder",
          "base_model_default_dtype", "mixed_precision", "gradient_checkpointing", "lora_type",
          "lora_rank", "lora_alpha", "lora_dropout", "lora_init_type", "peft_lora_target_modules",
          "lycoris_config", "lora_format", "optimizer", "optimizer_config", "optimizer_beta1",
          "optimizer_beta2", "learning_rate", "lr_scheduler", "lr_warmup_steps", "lr_end",
          "lr_power", "gradient_accumulation_steps", "max_grad_norm", "grad_clip_method",
          "flow_schedule_shift", "flow_schedule_auto_shift", "flow_sigmoid_scale",
          "flow_use_uniform_schedule", "flow_use_beta_schedule", "flow_beta_schedule_alpha",
          "flow_beta_schedule_beta", "loss_type", "wan_expert_timestep_restrict",
          "wan_boundary_ratio", "caption_dropout_probability", "use_ema", "ema_decay",
          "ema_update_interval", "seed", "max_train_steps", "num_train_epochs",
          "data_backend_sampling", "checkpoint_step_interval", "checkpoints_total_limit",
          "resume_from_checkpoint", "report_to",
          // webhooks and validation during training
          "webhook_config", "webhook_reporting_interval", "disable_benchmark", "framerate",
          "validation_step_interval", "validation_disable", "validation_prompt",
          "validation_negative_prompt", "validation_guidance", "validation_num_inference_steps",
          "validation_resolution", "validation_num_video_frames", "validation_seed",
          "validation_noise_scheduler", "validation_guidance_skip_layers",
          "validation_guidance_skip_layers_start", "validation_guidance_skip_layers_stop",
          "validation_guidance_skip_scale", "validation_guidance_skip_mode", "user_prompt_library",
          "validation_on_startup", "validation_preview", "validation_preview_steps",
          "ema_validation", "wan_validation_load_other_stage"}));
}

}  // namespace
}  // namespace reel
