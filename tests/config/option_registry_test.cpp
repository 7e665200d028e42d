#include "config/option_registry.h"

#include <gtest/gtest.h>

namespace reel {
namespace {

TEST(OptionRegistry, ClassifiesKeys) {
  const auto& r = OptionRegistry::instance();
  EXPECT_EQ(r.classify("learning_rate"), KeyKind::kReel);
  EXPECT_EQ(r.classify("wan_boundary_ratio"), KeyKind::kReel);  // Reel-only, not in ST
  EXPECT_EQ(r.classify("log_level"), KeyKind::kReel);
  EXPECT_EQ(r.classify("checkpointing_steps"), KeyKind::kAlias);
  EXPECT_EQ(r.classify("__active_tab__"), KeyKind::kAlias);
  EXPECT_EQ(r.classify("adam_beta1"), KeyKind::kStIgnored);
  EXPECT_EQ(r.classify("lerning_rate"), KeyKind::kUnknown);
}

TEST(OptionRegistry, AliasTargetsFollowSection1) {
  const auto& r = OptionRegistry::instance();
  EXPECT_EQ(r.alias("checkpointing_steps")->default_text, "checkpoint_step_interval");
  EXPECT_EQ(r.alias("validation_steps")->default_text, "validation_step_interval");
  EXPECT_EQ(r.alias("save_total_limit")->default_text, "checkpoints_total_limit");
  EXPECT_EQ(r.alias("vae_cache_preprocess")->default_text, "vae_cache_ondemand");
  EXPECT_EQ(r.alias("ignore_final_epochs")->default_text, "strict_epoch_limit");
  EXPECT_EQ(r.alias("repeats")->default_text, "-");
  EXPECT_EQ(r.alias("learning_rate"), nullptr);
}

TEST(OptionRegistry, IgnoredListHoldsNeitherReelOptionsNorAliases) {
  const auto& r = OptionRegistry::instance();
  auto ignored = r.st_ignored();
  ASSERT_FALSE(ignored.empty());
  for (const StOption* st : ignored) {
    EXPECT_EQ(r.find(st->name), nullptr) << st->name;
    EXPECT_NE(st->type, "alias") << st->name;
  }
}

TEST(OptionRegistry, SuggestsTheClosestKey) {
  const auto& r = OptionRegistry::instance();
  EXPECT_EQ(r.suggest("lerning_rate"), "learning_rate");
  EXPECT_EQ(r.suggest("--train_batchsize"), "train_batch_size");
  EXPECT_EQ(r.suggest("adam_beta_1"), "adam_beta1");  // an ST option is a fine suggestion too
  EXPECT_EQ(r.suggest("completely_unrelated_words"), "");
}

TEST(OptionRegistry, IgnoredMessageText) {
  EXPECT_EQ(st_ignored_message("adam_beta1"),
            "SimpleTuner option adam_beta1 is not supported by Reel and is ignored");
}

}  // namespace
}  // namespace reel
