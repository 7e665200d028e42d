#include <gtest/gtest.h>

#include "support/error_of.h"
#include "train/optimizer_config.h"
#include "train/optimizer_factory.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

OptimizerSettings resolve(const std::string& optimizer, const std::string& config) {
  OptimizerOptions o;
  o.optimizer = optimizer;
  o.optimizer_config = config;
  return resolve_optimizer_settings(o);
}

TEST(OptimizerConfigParse, TypesValuesBySTsRules) {
  const auto items = parse_optimizer_config(
      "a=0.5,b=4096,c=True,d=false,e=None,f=1e-6,g=1e5,h=-1,i=1E-6,j=adam,k=1.,l=-0.5");
  ASSERT_EQ(items.size(), 12u);
  EXPECT_EQ(std::get<double>(items[0].second), 0.5);    // '.'
  EXPECT_EQ(std::get<int64_t>(items[1].second), 4096);  // all digits
  EXPECT_EQ(std::get<bool>(items[2].second), true);     // any case
  EXPECT_EQ(std::get<bool>(items[3].second), false);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(items[4].second));
  EXPECT_EQ(std::get<double>(items[5].second), 1e-6);         // "e-"
  EXPECT_EQ(std::get<std::string>(items[6].second), "1e5");   // quirk: no '.' nor "e-"
  EXPECT_EQ(std::get<std::string>(items[7].second), "-1");    // not all digits
  EXPECT_EQ(std::get<std::string>(items[8].second), "1E-6");  // "e-" is case-sensitive
  EXPECT_EQ(std::get<std::string>(items[9].second), "adam");
  EXPECT_EQ(std::get<double>(items[10].second), 1.0);
  EXPECT_EQ(std::get<double>(items[11].second), -0.5);
  EXPECT_EQ(items[0].first, "a");
  EXPECT_EQ(items[11].first, "l");
}

TEST(OptimizerConfigParse, TrimsSpacesAndSkipsEmptyItems) {
  const auto items = parse_optimizer_config(" eps = 1e-6 , weight_decay=0.0,");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].first, "eps");
  EXPECT_EQ(std::get<double>(items[0].second), 1e-6);
  EXPECT_EQ(items[1].first, "weight_decay");
  EXPECT_TRUE(parse_optimizer_config("").empty());
}

TEST(OptimizerConfigParse, Errors) {
  std::string e = error_of([] { parse_optimizer_config("betas=0.9,0.99"); });
  EXPECT_TRUE(contains_text(e, "'0.99' is not key=value")) << e;
  EXPECT_TRUE(contains_text(e, "optimizer_beta1")) << e;
  EXPECT_TRUE(contains_text(e, "optimizer_config")) << e;
  e = error_of([] { parse_optimizer_config("eps=1.2.3"); });
  EXPECT_TRUE(contains_text(e, "'1.2.3' is not a number")) << e;
  e = error_of([] { parse_optimizer_config("eps=abc-e-"); });
  EXPECT_TRUE(contains_text(e, "is not a number")) << e;
  e = error_of([] { parse_optimizer_config("n=99999999999999999999"); });
  EXPECT_TRUE(contains_text(e, "too large")) << e;
}

TEST(OptimizerSettingsDefaults, FollowSTsTable) {
  const OptimizerSettings bf16 = default_optimizer_settings("adamw_bf16");
  EXPECT_EQ(bf16.beta1, 0.9);
  EXPECT_EQ(bf16.beta2, 0.999);
  EXPECT_EQ(bf16.eps, 1e-6);
  EXPECT_EQ(bf16.weight_decay, 1e-2);

  const OptimizerSettings torch = default_optimizer_settings("adamw");
  EXPECT_EQ(torch.eps, 1e-8);
  EXPECT_EQ(torch.weight_decay, 1e-2);
  EXPECT_EQ(torch.beta2, 0.999);

  const OptimizerSettings optimi = default_optimizer_settings("optimi-adamw");
  EXPECT_EQ(optimi.beta2, 0.99);
  EXPECT_EQ(optimi.eps, 1e-6);
  EXPECT_EQ(optimi.weight_decay, 0.0);
  EXPECT_TRUE(optimi.kahan_sum);

  const OptimizerSettings lion = default_optimizer_settings("optimi-lion");
  EXPECT_EQ(lion.beta1, 0.9);
  EXPECT_EQ(lion.beta2, 0.99);
  EXPECT_EQ(lion.weight_decay, 0.0);
  EXPECT_TRUE(lion.kahan_sum);

  const OptimizerSettings adam8 = default_optimizer_settings("bnb-adamw8bit-paged");
  EXPECT_EQ(adam8.eps, 1e-6);  // what ST passes, not bnb's own 1e-8
  EXPECT_EQ(adam8.weight_decay, 1e-2);
  EXPECT_EQ(adam8.min_8bit_size, 4096);

  const OptimizerSettings lion8 = default_optimizer_settings("bnb-lion8bit-paged");
  EXPECT_EQ(lion8.beta2, 0.99);
  EXPECT_EQ(lion8.weight_decay, 0.0);
}

TEST(OptimizerSettingsResolve, OverridesFromOptimizerConfig) {
  const OptimizerSettings s = resolve("optimi-adamw",
                                      "eps=1e-8,weight_decay=0,kahan_sum=false,beta1=0.95,"
                                      "beta2=0.999,lr=0.0002,foreach=true,triton=none");
  EXPECT_EQ(s.eps, 1e-8);
  EXPECT_EQ(s.weight_decay, 0.0);  // an int is a fine float
  EXPECT_FALSE(s.kahan_sum);
  EXPECT_EQ(s.beta1, 0.95);
  EXPECT_EQ(s.beta2, 0.999);
  ASSERT_TRUE(s.lr.has_value());
  EXPECT_EQ(*s.lr, 0.0002);

  EXPECT_TRUE(resolve("optimi-lion", "kahan_sum=none").kahan_sum);  // optimi's "auto"
  EXPECT_FALSE(resolve("optimi-lion", "kahan_sum=0").kahan_sum);
  EXPECT_EQ(resolve("bnb-lion8bit", "min_8bit_size=16384").min_8bit_size, 16384);
  EXPECT_EQ(resolve("adamw_bf16", "").eps, 1e-6);
}

TEST(OptimizerSettingsResolve, OptimizerBetasWinOverOptimizerConfig) {
  OptimizerOptions o;
  o.optimizer = "adamw_bf16";
  o.optimizer_config = "beta1=0.8,beta2=0.9";
  o.optimizer_beta1 = 0.85;
  o.optimizer_beta2 = 0.95;
  const OptimizerSettings s = resolve_optimizer_settings(o);
  EXPECT_EQ(s.beta1, 0.85);
  EXPECT_EQ(s.beta2, 0.95);

  o.optimizer_beta2.reset();
  const std::string e = error_of([&] { resolve_optimizer_settings(o); });
  EXPECT_TRUE(contains_text(e, "only one of optimizer_beta1 and optimizer_beta2")) << e;
}

TEST(OptimizerSettingsResolve, DecoupleLrTakesMaxLrFromTheLearningRate) {
  OptimizerOptions o;
  o.optimizer = "optimi-lion";
  o.optimizer_config = "decouple_lr=true";
  o.learning_rate = 3e-5;
  EXPECT_EQ(resolve_optimizer_settings(o).max_lr, 3e-5);
  o.optimizer_config = "decouple_lr=true,lr=0.0001";
  EXPECT_EQ(resolve_optimizer_settings(o).max_lr, 1e-4);
  o.optimizer_config = "decouple_lr=true,max_lr=0.01";
  EXPECT_EQ(resolve_optimizer_settings(o).max_lr, 0.01);
  EXPECT_FALSE(resolve("optimi-lion", "").max_lr.has_value());
}

TEST(OptimizerSettingsResolve, ExponentWithoutMinusStaysTextAndIsRejected) {
  const std::string e = error_of([] { resolve("adamw_bf16", "eps=1e5"); });
  EXPECT_TRUE(contains_text(e, "optimizer_config")) << e;
  EXPECT_TRUE(contains_text(e, "'eps' is '1e5', expected a number")) << e;
  EXPECT_TRUE(contains_text(e, "'.' or 'e-'")) << e;
}

TEST(OptimizerSettingsResolve, WrongTypesAndRanges) {
  std::string e = error_of([] { resolve("torch-adamw", "weight_decay=-1"); });
  EXPECT_TRUE(contains_text(e, "'weight_decay' is '-1', expected a number")) << e;
  e = error_of([] { resolve("torch-adamw", "weight_decay=-0.1"); });
  EXPECT_TRUE(contains_text(e, "expected a finite value >= 0")) << e;
  e = error_of([] { resolve("torch-adamw", "beta1=1.0"); });
  EXPECT_TRUE(contains_text(e, "[0, 1)")) << e;
  e = error_of([] { resolve("optimi-adamw", "kahan_sum=yes"); });
  EXPECT_TRUE(contains_text(e, "'kahan_sum' is 'yes', expected true or false")) << e;
  e = error_of([] { resolve("torch-adamw", "eps=true"); });
  EXPECT_TRUE(contains_text(e, "'eps' is true, expected a number")) << e;
  e = error_of([] { resolve("bnb-adamw8bit", "min_8bit_size=10.5"); });
  EXPECT_TRUE(contains_text(e, "whole number")) << e;
  e = error_of([] { resolve("torch-adamw", "amsgrad=true"); });
  EXPECT_TRUE(contains_text(e, "not supported")) << e;
  EXPECT_FALSE(resolve("torch-adamw", "amsgrad=false").kahan_sum);  // accepted at its default
}

TEST(OptimizerSettingsResolve, UnknownKeyListsTheValidOnes) {
  std::string e = error_of([] { resolve("optimi-lion", "eps=1e-8"); });  // Lion has no eps
  EXPECT_TRUE(contains_text(e, "'eps' is not a setting of optimi-lion")) << e;
  EXPECT_TRUE(contains_text(e, "valid keys for optimi-lion: lr, beta1, beta2, weight_decay")) << e;
  e = error_of([] { resolve("adamw_bf16", "epsilon=1e-8"); });
  EXPECT_TRUE(contains_text(e, "eps")) << e;
}

TEST(OptimizerSettingsResolve, UnknownOptimizerListsTheSupportedOnes) {
  const std::string e = error_of([] { resolve("prodigy", ""); });
  EXPECT_TRUE(contains_text(e, "unknown optimizer 'prodigy'")) << e;
  EXPECT_TRUE(contains_text(e, "optimi-lion")) << e;
  EXPECT_TRUE(contains_text(e, "bnb-lion8bit-paged")) << e;
}

TEST(OptimizerFactory, BuildsEverySupportedName) {
  for (const std::string& name : supported_optimizers()) {
    const at::ScalarType dtype = name == "adamw_bf16" ? at::kBFloat16 : at::kFloat;
    Optimizer::NamedTensors params = {{"w", at::zeros({4}, dtype).requires_grad_(true)}};
    auto opt = make_optimizer(name, params, default_optimizer_settings(name));
    EXPECT_EQ(opt->name(), name);
  }
  const std::string e = error_of([] {
    make_optimizer("adamw8bit", {{"w", at::zeros({4}).requires_grad_(true)}}, {});
  });
  EXPECT_TRUE(contains_text(e, "unknown optimizer 'adamw8bit'")) << e;
  EXPECT_TRUE(contains_text(e, "bnb-adamw8bit")) << e;
}

}  // namespace
}  // namespace reel
