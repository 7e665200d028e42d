// The cross-option rules of spec config.md §4 and the flavour-forced settings of §2/§3.
#include "config/option_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "config/option_test_support.h"

namespace reel {
namespace {

using json = nlohmann::json;
using test::count_diags;
using test::dump;
using test::load_json;
using test::TempDir;

class OptionRules : public ::testing::Test {
 protected:
  LoadedConfig load(json config, std::vector<std::string> cli = {}) {
    return load_json(dir_, std::move(config), std::move(cli));
  }
  TempDir dir_;
};

TEST_F(OptionRules, AMinimalConfigHasNoErrors) {
  auto config = load({{"max_train_steps", 10}, {"num_train_epochs", 0}});
  EXPECT_FALSE(has_errors(config.diagnostics())) << dump(config.diagnostics());
}

TEST_F(OptionRules, ModelFamilyAndDataBackendConfigAreRequired) {
  ConfigSources s;
  s.env = test::fake_env({});
  s.working_dir = dir_.path().string();
  auto config = load_config(s);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kError, "model_family", "required"), 1);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kError, "data_backend_config", "required"),
            1);
}

TEST_F(OptionRules, MaxTrainStepsWithEpochsIsRejected) {
  auto both = load({{"max_train_steps", 100}, {"num_train_epochs", 2}});
  EXPECT_EQ(count_diags(both.diagnostics(), Severity::kError, "max_train_steps"), 1);
  // num_train_epochs defaults to 1, so max_train_steps alone is rejected too (ST L982).
  auto alone = load({{"max_train_steps", 100}});
  EXPECT_EQ(count_diags(alone.diagnostics(), Severity::kError, "max_train_steps"), 1);
  auto ok = load({{"max_train_steps", 100}, {"num_train_epochs", 0}});
  EXPECT_EQ(count_diags(ok.diagnostics(), Severity::kError, "max_train_steps"), 0);
}

TEST_F(OptionRules, Fp8QuantoIsRejectedForWan) {
  auto config = load({{"base_model_precision", "fp8-quanto"}});
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kError, "base_model_precision"), 1);
  auto int8 = load({{"base_model_precision", "int8-quanto"}});
  EXPECT_EQ(count_diags(int8.diagnostics(), Severity::kError, "base_model_precision"), 0);
}

TEST_F(OptionRules, AspectBucketAlignmentIsForcedWithAWarning) {
  auto config = load({{"aspect_bucket_alignment", 64}});
  EXPECT_EQ(config.get_int("aspect_bucket_alignment"), 32);
  EXPECT_EQ(config.source_of("aspect_bucket_alignment").kind, SourceKind::kRule);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "aspect_bucket_alignment"), 1);

  auto five_b = load({{"model_flavour", "ti2v-5b-2.2"}});
  EXPECT_EQ(five_b.get_int("aspect_bucket_alignment"), 64);
  EXPECT_EQ(count_diags(five_b.diagnostics(), Severity::kWarning, "aspect_bucket_alignment"), 0);

  auto same = load({{"aspect_bucket_alignment", 32}});
  EXPECT_EQ(count_diags(same.diagnostics(), Severity::kWarning, "aspect_bucket_alignment"), 0);
}

TEST_F(OptionRules, TokenizerMaxLengthIsForcedTo512) {
  auto config = load({{"tokenizer_max_length", 256}});
  EXPECT_EQ(config.get_int("tokenizer_max_length"), 512);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "tokenizer_max_length"), 1);
  // Even 512 itself warns: the option is not the user's to set.
  auto same = load({{"tokenizer_max_length", 512}});
  EXPECT_EQ(count_diags(same.diagnostics(), Severity::kWarning, "tokenizer_max_length"), 1);
}

TEST_F(OptionRules, ValidationStepsOutside40To50Warn) {
  for (int steps : {39, 51}) {
    auto c = load({{"validation_num_inference_steps", steps}});
    EXPECT_EQ(count_diags(c.diagnostics(), Severity::kWarning, "validation_num_inference_steps"), 1)
        << steps;
  }
  for (int steps : {40, 50}) {
    auto c = load({{"validation_num_inference_steps", steps}});
    EXPECT_EQ(count_diags(c.diagnostics(), Severity::kWarning, "validation_num_inference_steps"), 0)
        << steps;
  }
  // The inherited default (30) is not the user's choice: no warning for it.
  auto unset = load({{"seed", 1}});
  EXPECT_EQ(count_diags(unset.diagnostics(), Severity::kWarning, "validation_num_inference_steps"),
            0);
}

TEST_F(OptionRules, ValidationFrames) {
  auto zero = load({{"validation_num_video_frames", 0}});
  EXPECT_EQ(count_diags(zero.diagnostics(), Severity::kError, "validation_num_video_frames"), 1);
  auto many = load({{"validation_num_video_frames", 121}});
  EXPECT_EQ(count_diags(many.diagnostics(), Severity::kWarning, "validation_num_video_frames"), 1);
  auto fine = load({{"validation_num_video_frames", 81}});
  EXPECT_EQ(count_diags(fine.diagnostics(), Severity::kWarning, "validation_num_video_frames"), 0);
  EXPECT_EQ(load(json::object()).get_int("validation_num_video_frames"), 81);
}

TEST_F(OptionRules, AutoShiftWithAShiftWarnsAndZeroesTheShift) {
  auto config = load({{"flow_schedule_auto_shift", true}, {"flow_schedule_shift", 3}});
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "flow_schedule_shift"), 1);
  EXPECT_DOUBLE_EQ(config.get_double("flow_schedule_shift"), 0.0);
  auto zero = load({{"flow_schedule_auto_shift", true}, {"flow_schedule_shift", 0}});
  EXPECT_EQ(count_diags(zero.diagnostics(), Severity::kWarning, "flow_schedule_shift"), 0);
}

TEST_F(OptionRules, RamtorchAndGroupOffloadAreExclusive) {
  auto config = load({{"ramtorch", true}, {"enable_group_offload", true}});
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kError, "enable_group_offload",
                        "mutually exclusive"),
            1);
  auto one = load({{"enable_group_offload", true}});
  EXPECT_FALSE(has_errors(one.diagnostics())) << dump(one.diagnostics());
}

TEST_F(OptionRules, ZeroCaptionDropoutWarns) {
  auto config = load({{"caption_dropout_probability", 0}});
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "caption_dropout_probability"),
            1);
  auto fine = load(json::object());
  EXPECT_EQ(count_diags(fine.diagnostics(), Severity::kWarning, "caption_dropout_probability"), 0);
}

TEST_F(OptionRules, OptimizerBetasBothOrNeither) {
  auto one = load({{"optimizer_beta1", 0.9}});
  EXPECT_EQ(count_diags(one.diagnostics(), Severity::kError, "optimizer_beta1", "together"), 1);
  auto both = load({{"optimizer_beta1", 0.9}, {"optimizer_beta2", 0.99}});
  EXPECT_FALSE(has_errors(both.diagnostics())) << dump(both.diagnostics());
}

TEST_F(OptionRules, StrictEpochLimitIsSetWhenMaxTrainStepsIsUnset) {
  EXPECT_TRUE(load(json::object()).get_bool("strict_epoch_limit"));
  EXPECT_FALSE(
      load({{"max_train_steps", 10}, {"num_train_epochs", 0}}).get_bool("strict_epoch_limit"));
}

TEST_F(OptionRules, StageFlavoursForceScheduleAndDropSkipLayerGuidance) {
  auto config = load({{"model_flavour", "i2v-14b-2.2-high"},
                      {"flow_schedule_shift", 3},
                      {"validation_guidance", 5.2},
                      {"validation_guidance_skip_layers", {9}}});
  EXPECT_DOUBLE_EQ(config.get_double("flow_schedule_shift"), 5.0);
  EXPECT_EQ(config.get_int("validation_num_inference_steps"), 40);
  EXPECT_DOUBLE_EQ(config.get_double("validation_guidance"), 3.5);
  EXPECT_DOUBLE_EQ(config.get_double("wan_boundary_ratio"), 0.9);
  EXPECT_EQ(config.get_string("pretrained_transformer_subfolder"), "transformer");
  EXPECT_EQ(config.get_string("pretrained_model_name_or_path"), "Wan-AI/Wan2.2-I2V-A14B-Diffusers");
  EXPECT_FALSE(config.is_set("validation_guidance_skip_layers"));
  EXPECT_FALSE(config.is_set("validation_guidance_skip_layers_start"));
  const auto& ds = config.diagnostics();
  EXPECT_EQ(count_diags(ds, Severity::kWarning, "flow_schedule_shift"), 1) << dump(ds);
  EXPECT_EQ(count_diags(ds, Severity::kWarning, "validation_guidance"), 1);
  EXPECT_EQ(count_diags(ds, Severity::kWarning, "validation_guidance_skip_layers"), 1);
  // Forced, not chosen by the user: no warning for values the user left alone.
  EXPECT_EQ(count_diags(ds, Severity::kWarning, "validation_num_inference_steps"), 0);

  auto low = load({{"model_flavour", "i2v-14b-2.2-low"}});
  EXPECT_EQ(low.get_string("pretrained_transformer_subfolder"), "transformer_2");
  auto anime = load({{"model_flavour", "animegen-t2v-high"}});
  EXPECT_EQ(anime.get_int("validation_num_inference_steps"), 8);
  EXPECT_DOUBLE_EQ(anime.get_double("validation_guidance"), 1.0);
  EXPECT_DOUBLE_EQ(anime.get_double("wan_boundary_ratio"), 0.875);
}

TEST_F(OptionRules, FlavourSetsTheDefaultRepositoryButNotAHubIdCheck) {
  auto config = load({{"model_flavour", "i2v-14b-2.1"}});
  EXPECT_EQ(config.get_string("pretrained_model_name_or_path"),
            "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers");
  EXPECT_EQ(config.source_of("pretrained_model_name_or_path").kind, SourceKind::kDefault);
  EXPECT_EQ(config.get_string("pretrained_vae_model_name_or_path"),
            "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers");
  auto hub = load({{"pretrained_model_name_or_path", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"}});
  EXPECT_EQ(count_diags(hub.diagnostics(), Severity::kError, "pretrained_model_name_or_path"), 0);
  EXPECT_FALSE(config.is_set("wan_boundary_ratio"));
}

TEST_F(OptionRules, LoraAlphaDefaultsToRank) {
  EXPECT_DOUBLE_EQ(load({{"lora_rank", 8}}).get_double("lora_alpha"), 8.0);
  EXPECT_DOUBLE_EQ(load({{"lora_rank", 8}, {"lora_alpha", 4}}).get_double("lora_alpha"), 4.0);
}

TEST_F(OptionRules, WanForcesUnconditionalOffAndVaeTiling) {
  auto config = load({{"vae_enable_tiling", false}, {"validation_disable_unconditional", false}});
  EXPECT_TRUE(config.get_bool("vae_enable_tiling"));
  EXPECT_TRUE(config.get_bool("validation_disable_unconditional"));
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "vae_enable_tiling"), 1);
}

// Not built yet rather than wrong: a note, so the quickstart's config has no problems for it.
TEST_F(OptionRules, PushToHubIsANoOpWithANote) {
  auto config = load({{"push_to_hub", "true"}, {"push_checkpoints_to_hub", true}});
  auto says_nothing_pushed = [&](const std::string& key) {
    return std::any_of(config.diagnostics().begin(), config.diagnostics().end(),
                       [&](const Diagnostic& d) {
                         return d.key == key && d.severity == Severity::kNotice &&
                                d.message.find("nothing is pushed") != std::string::npos;
                       });
  };
  EXPECT_TRUE(says_nothing_pushed("push_to_hub"));
  EXPECT_TRUE(says_nothing_pushed("push_checkpoints_to_hub"));
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kWarning, "push_to_hub"), 0);
  EXPECT_FALSE(has_errors(config.diagnostics()));
}

TEST_F(OptionRules, MissingLocalFilesAreReportedWithKeyAndPath) {
  auto config = load({{"user_prompt_library", "prompts.json"},
                      {"init_lora", "start.safetensors"},
                      {"webhook_config", "hooks/webhook.json"},
                      {"data_backend_config", "nowhere/multidatabackend.json"}});
  const auto& ds = config.diagnostics();
  EXPECT_EQ(count_diags(ds, Severity::kError, "user_prompt_library", "\"prompts.json\""), 1);
  EXPECT_EQ(count_diags(ds, Severity::kError, "init_lora", "\"start.safetensors\""), 1);
  EXPECT_EQ(count_diags(ds, Severity::kError, "webhook_config", "\"hooks/webhook.json\""), 1);
  EXPECT_EQ(count_diags(ds, Severity::kError, "data_backend_config", "nowhere"), 1) << dump(ds);

  dir_.write("prompts.json", "{}");
  auto present = load(
      {{"user_prompt_library", "prompts.json"}, {"webhook_config", {{"webhook_type", "raw"}}}});
  EXPECT_FALSE(has_errors(present.diagnostics())) << dump(present.diagnostics());
}

TEST_F(OptionRules, MissingLycorisConfigIsAWarningWhileUnused) {
  auto standard = load({{"lycoris_config", "lyco.json"}});
  EXPECT_EQ(count_diags(standard.diagnostics(), Severity::kWarning, "lycoris_config", "unused"), 1);
  EXPECT_EQ(count_diags(standard.diagnostics(), Severity::kError, "lycoris_config"), 0);
  auto lycoris = load({{"lycoris_config", "lyco.json"}, {"lora_type", "lycoris"}});
  EXPECT_EQ(count_diags(lycoris.diagnostics(), Severity::kError, "lycoris_config", "lyco.json"), 1);
  // The default path is not the user's choice: quiet unless LyCORIS is used.
  auto quiet = load(json::object());
  EXPECT_EQ(count_diags(quiet.diagnostics(), Severity::kWarning, "lycoris_config"), 0);
}

}  // namespace
}  // namespace reel
