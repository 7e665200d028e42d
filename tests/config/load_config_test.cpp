// Loading: sources and their precedence (default < config.json < env < command line), where
// each value came from, legacy aliases, ignored ST options, unknown keys, config lookup.
#include "config/load_config.h"

#include <gtest/gtest.h>

#include "config/option_registry.h"
#include "config/option_test_support.h"
#include "core/error.h"

namespace reel {
namespace {

using json = nlohmann::json;
using test::count_diags;
using test::dump;
using test::load_json;
using test::TempDir;

TEST(LoadConfig, PrecedenceIsDefaultThenFileThenEnvThenCommandLine) {
  TempDir dir;
  json file = {{"learning_rate", 1e-5}, {"lora_rank", 8}, {"seed", 1}};
  auto config = load_json(dir, file, {"--seed=3"}, {{"REEL_LORA_RANK", "32"}, {"REEL_SEED", "2"}});
  EXPECT_DOUBLE_EQ(config.get_double("learning_rate"), 1e-5);
  EXPECT_EQ(config.get_int("lora_rank"), 32);
  EXPECT_EQ(config.get_int("seed"), 3);
  EXPECT_EQ(config.get_int("train_batch_size"), 4);

  EXPECT_EQ(config.source_of("train_batch_size").kind, SourceKind::kDefault);
  EXPECT_EQ(config.source_of("learning_rate").kind, SourceKind::kFile);
  EXPECT_EQ(config.source_of("learning_rate").where, (dir / "config.json").string());
  EXPECT_EQ(config.source_of("lora_rank").kind, SourceKind::kEnv);
  EXPECT_EQ(config.source_of("lora_rank").where, "REEL_LORA_RANK");
  EXPECT_EQ(config.source_of("seed").kind, SourceKind::kCli);
  EXPECT_EQ(to_string(config.source_of("seed")), "command line");
  EXPECT_EQ(to_string(config.source_of("lora_rank")), "env REEL_LORA_RANK");
  EXPECT_EQ(config.config_file(), (dir / "config.json").string());
}

TEST(LoadConfig, TrainerExtraArgsActLikeCommandLineArgsBelowTheRealOnes) {
  TempDir dir;
  auto config = load_json(dir, {{"lora_rank", 8}}, {"--seed", "9"},
                          {{"TRAINER_EXTRA_ARGS",
                            "--lora_rank=64 --seed 5 "
                            "--validation_prompt 'a cat, running' --use_ema"},
                           {"REEL_LORA_RANK", "32"}});
  EXPECT_EQ(config.get_int("lora_rank"), 64);
  EXPECT_EQ(config.source_of("lora_rank").where, "TRAINER_EXTRA_ARGS");
  EXPECT_EQ(config.get_string("validation_prompt"), "a cat, running");
  EXPECT_TRUE(config.get_bool("use_ema"));
  EXPECT_EQ(config.get_int("seed"), 9);
}

TEST(LoadConfig, CommandLineForms) {
  TempDir dir;
  auto config =
      load_json(dir, {{"use_ema", true}, {"gradient_checkpointing", true}},
                {"--learning_rate", "1e-4", "--lora_rank=4", "--use_ema=false",
                 "--validation_disable", "--gradient_checkpointing", "false", "--seed", "-1"});
  EXPECT_DOUBLE_EQ(config.get_double("learning_rate"), 1e-4);
  EXPECT_EQ(config.get_int("lora_rank"), 4);
  EXPECT_FALSE(config.get_bool("use_ema"));
  EXPECT_TRUE(config.get_bool("validation_disable"));
  EXPECT_FALSE(config.get_bool("gradient_checkpointing"));
  EXPECT_EQ(config.get_int("seed"), -1);
}

TEST(LoadConfig, CommandLineMistakesAreErrors) {
  TempDir dir;
  auto config = load_json(dir, json::object(), {"stray", "--lora_rank"});
  const auto& ds = config.diagnostics();
  EXPECT_EQ(count_diags(ds, Severity::kError, "", "unexpected argument 'stray'"), 1) << dump(ds);
  EXPECT_EQ(count_diags(ds, Severity::kError, "lora_rank", "needs a value"), 1) << dump(ds);
}

TEST(LoadConfig, KeysWithLeadingDashesAndEnvPlaceholders) {
  TempDir dir;
  auto config = load_json(dir, {{"--seed", 1}, {"output_dir", "{env:RUNS}/wan"}}, {},
                          {{"RUNS", "/data/runs"}});
  EXPECT_EQ(config.get_int("seed"), 1);
  EXPECT_EQ(config.get_string("output_dir"), "/data/runs/wan");

  auto unset = load_json(dir, {{"output_dir", "{env:NOPE}/wan"}});
  EXPECT_EQ(count_diags(unset.diagnostics(), Severity::kError, "output_dir", "NOPE"), 1);
}

TEST(LoadConfig, NullAndEmptyKeepTheDefault) {
  TempDir dir;
  auto config =
      load_json(dir, {{"seed", nullptr}, {"output_dir", ""}, {"resume_from_checkpoint", ""}});
  EXPECT_FALSE(config.is_set("seed"));
  EXPECT_EQ(config.get_string("output_dir"), "simpletuner-results");
  EXPECT_EQ(config.source_of("output_dir").kind, SourceKind::kDefault);
  EXPECT_EQ(config.get_string("resume_from_checkpoint"), "");
  EXPECT_EQ(config.source_of("resume_from_checkpoint").kind, SourceKind::kFile);
}

TEST(LoadConfig, LegacyAliasesMapToTheirTargets) {
  TempDir dir;
  auto config = load_json(dir, {{"checkpointing_steps", 250},
                                {"validation_steps", 50},
                                {"save_total_limit", 2},
                                {"vae_cache_preprocess", false},
                                {"ignore_final_epochs", true},
                                {"max_train_steps", 100},
                                {"num_train_epochs", 0}});
  EXPECT_EQ(config.get_int("checkpoint_step_interval"), 250);
  EXPECT_EQ(config.get_int("validation_step_interval"), 50);
  EXPECT_EQ(config.get_int("checkpoints_total_limit"), 2);
  EXPECT_TRUE(config.get_bool("vae_cache_ondemand"));
  EXPECT_FALSE(config.get_bool("strict_epoch_limit"));
  EXPECT_EQ(config.source_of("checkpoint_step_interval").kind, SourceKind::kFile);

  auto preprocess = load_json(dir, {{"vae_cache_preprocess", true},
                                    {"ignore_final_epochs", false},
                                    {"max_train_steps", 100},
                                    {"num_train_epochs", 0}});
  EXPECT_FALSE(preprocess.get_bool("vae_cache_ondemand"));
  EXPECT_TRUE(preprocess.get_bool("strict_epoch_limit"));
}

TEST(LoadConfig, CanonicalKeyWinsOverItsAliasInTheSameFile) {
  TempDir dir;
  auto config = load_json(dir, {{"checkpointing_steps", 250}, {"checkpoint_step_interval", 750}});
  EXPECT_EQ(config.get_int("checkpoint_step_interval"), 750);
}

TEST(LoadConfig, LegacyLrSchedulerValues) {
  TempDir dir;
  EXPECT_EQ(load_json(dir, {{"lr_scheduler", "cosine_with_warmup"}}).get_string("lr_scheduler"),
            "cosine");
  EXPECT_EQ(load_json(dir, {{"lr_scheduler", "constant"}, {"lr_warmup_steps", 10}})
                .get_string("lr_scheduler"),
            "constant_with_warmup");
  EXPECT_EQ(load_json(dir, {{"lr_scheduler", "constant"}}).get_string("lr_scheduler"), "constant");
}

TEST(LoadConfig, UiKeysAreDroppedSilently) {
  TempDir dir;
  auto config = load_json(dir, {{"__active_tab__", "model"},
                                {"__disabled_fields__", json::array({"seed"})},
                                {"ez_model_type", "lora"}});
  for (const char* k : {"__active_tab__", "__disabled_fields__", "ez_model_type"}) {
    for (const auto& d : config.diagnostics()) {
      EXPECT_EQ(d.message.find(k), std::string::npos) << to_string(d);
      EXPECT_NE(d.key, k) << to_string(d);
    }
  }
}

TEST(LoadConfig, StOptionsReelIgnoresGetExactlyOneWarningEach) {
  TempDir dir;
  auto config =
      load_json(dir, {{"adam_beta1", 0.9}, {"--ema_warmup_steps", 10}}, {"--adam_beta1=0.8"});
  int adam = 0, ema = 0;
  for (const auto& d : config.diagnostics()) {
    if (d.message == "SimpleTuner option adam_beta1 is not supported by Reel and is ignored") {
      EXPECT_EQ(d.severity, Severity::kWarning);
      ++adam;
    }
    if (d.message ==
        "SimpleTuner option ema_warmup_steps is not supported by Reel and is ignored") {
      ++ema;
    }
  }
  EXPECT_EQ(adam, 1) << dump(config.diagnostics());
  EXPECT_EQ(ema, 1);
  EXPECT_FALSE(config.is_set("adam_beta1"));
  EXPECT_FALSE(has_errors(config.diagnostics())) << dump(config.diagnostics());
}

TEST(LoadConfig, UnknownKeyIsAnErrorWithDidYouMean) {
  TempDir dir;
  auto config = load_json(dir, {{"lerning_rate", 1e-4}});
  auto path = (dir / "config.json").string();
  bool found = false;
  for (const auto& d : config.diagnostics()) {
    if (d.key != "lerning_rate") continue;
    found = true;
    EXPECT_EQ(d.severity, Severity::kError);
    EXPECT_EQ(d.file, path);
    EXPECT_EQ(to_string(d), "error: " + path +
                                ": key 'lerning_rate': unknown option 'lerning_rate' (did you "
                                "mean 'learning_rate'?)");
  }
  EXPECT_TRUE(found) << dump(config.diagnostics());
  EXPECT_DOUBLE_EQ(config.get_double("learning_rate"), 4e-7);
}

TEST(LoadConfig, BadValueNamesKeyValueFileAndAllowedValues) {
  TempDir dir;
  auto config = load_json(dir, {{"mixed_precision", "fp32"}}, {"--lora_dropout=1.5"},
                          {{"REEL_LORA_RANK", "abc"}});
  auto path = (dir / "config.json").string();
  std::vector<std::string> lines;
  for (const auto& d : config.diagnostics()) lines.push_back(to_string(d));
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has("error: " + path +
                  ": key 'mixed_precision': \"fp32\" is not allowed; use one of no, fp16, bf16, "
                  "fp8"))
      << dump(config.diagnostics());
  EXPECT_TRUE(
      has("error: command line: key 'lora_dropout': lora_dropout 1.5 is out of range "
          "[0, 1]"));
  EXPECT_TRUE(has("error: env REEL_LORA_RANK: key 'lora_rank': \"abc\" is not an integer"));
  // The bad values do not replace the defaults.
  EXPECT_EQ(config.get_string("mixed_precision"), "bf16");
}

TEST(LoadConfig, UnsupportedFlavourNamesTheSupportedOnes) {
  TempDir dir;
  auto config = load_json(dir, {{"model_flavour", "flf2v-14b-2.1"}});
  ASSERT_EQ(count_diags(config.diagnostics(), Severity::kError, "model_flavour",
                        "use one of t2v-480p-1.3b-2.1, t2v-480p-14b-2.1, i2v-14b-2.1"),
            1)
      << dump(config.diagnostics());
  for (const auto& d : config.diagnostics()) {
    if (d.key == "model_flavour") EXPECT_NE(d.hint.find("not supported"), std::string::npos);
  }
}

TEST(LoadConfig, AcceptedButNotBuiltOptionsGetOneNoticeEach) {
  TempDir dir;
  auto config = load_json(dir, {{"eval_timesteps", 4}, {"validation_using_datasets", true}},
                          {"--eval_timesteps=8"});
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kNotice, "eval_timesteps", "not built yet"),
            1);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kNotice, "validation_using_datasets",
                        "not built yet"),
            1);
  // Built options and options left at their default are quiet.
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kNotice, "data_backend_config"), 0);
  EXPECT_EQ(count_diags(config.diagnostics(), Severity::kNotice, "train_batch_size"), 0);
}

TEST(LoadConfig, ConfigFileLookupOrder) {
  TempDir dir;
  dir.write("config/config.json", R"({"seed": 1})");
  dir.write("config/prod/config.json", R"({"seed": 2})");
  dir.write("elsewhere.json", R"({"seed": 3})");
  ConfigSources s;
  s.working_dir = dir.path().string();

  s.env = test::fake_env({});
  EXPECT_EQ(load_config(s).get_int("seed"), 1);
  s.env = test::fake_env({{"ENV", "prod"}});
  EXPECT_EQ(load_config(s).get_int("seed"), 2);
  s.env = test::fake_env({{"ENV", "missing"}});
  EXPECT_EQ(load_config(s).get_int("seed"), 1);
  s.env = test::fake_env({{"ENV", "prod"}, {"CONFIG_PATH", "elsewhere.json"}});
  EXPECT_EQ(load_config(s).get_int("seed"), 3);
  s.config_file = "config/config.json";
  EXPECT_EQ(load_config(s).get_int("seed"), 1);

  s.config_file.reset();
  s.env = test::fake_env({{"CONFIG_PATH", "nope.json"}});
  EXPECT_TRUE(has_errors(load_config(s).diagnostics()));
  TempDir empty;
  s.working_dir = empty.path().string();
  s.env = test::fake_env({});
  EXPECT_EQ(load_config(s).config_file(), "");
}

TEST(LoadConfig, MalformedFileIsAnError) {
  TempDir dir;
  ConfigSources s;
  s.env = test::fake_env({});
  s.config_file = dir.write("bad.json", "{\"seed\": 1,}").string();
  EXPECT_GE(count_diags(load_config(s).diagnostics(), Severity::kError, "", "not valid JSON"), 1);
  s.config_file = dir.write("list.json", "[1]").string();
  EXPECT_GE(count_diags(load_config(s).diagnostics(), Severity::kError, "", "JSON object"), 1);
}

TEST(LoadConfig, TypedAccessors) {
  TempDir dir;
  auto config = load_json(dir, {{"framerate", "16"}, {"validation_guidance_skip_layers", {9}}});
  EXPECT_EQ(config.get_int("framerate"), 16);
  EXPECT_EQ(config.get_json("validation_guidance_skip_layers"), json::array({9}));
  EXPECT_EQ(config.get_string("lora_format"), "comfyui");
  EXPECT_THROW(config.get_int("lora_format"), Error);
  EXPECT_THROW(config.get_bool("seed"), Error);  // no value
  EXPECT_FALSE(config.is_set("no_such_option"));
}

}  // namespace
}  // namespace reel
