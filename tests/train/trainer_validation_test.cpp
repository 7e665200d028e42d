// Validation during training, with a stand-in renderer: it runs at the steps asked for, with
// the weights ema_validation asks for, leaves the training losses bit-identical (even when the
// renderer draws from the global generator), and a failing render never stops the run.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/wan/wan_transformer.h"
#include "support/temp_dir.h"
#include "train/trainer.h"
#include "train/trainer_test_support.h"
#include "train/validation_hook.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using namespace test;

struct Call {
  int64_t step;
  std::string suffix;
  at::Tensor output;  // the model's output on fixed inputs: which weights it had
};

// A renderer that records its calls, runs the model, and draws from the global generator
// (which the trainer must restore).
RenderValidation recorder(std::vector<Call>& calls) {
  return [&calls](int64_t step, const WanTransformer& model, const std::string& suffix,
                  const ValidationPreviewSink&) {
    c10::InferenceMode no_grad;
    at::Generator g = at::detail::createCPUGenerator(5);
    WanInputs in;
    in.hidden_states = at::randn({1, 16, 1, 4, 4}, g);
    in.timestep = at::tensor({500.0f});
    in.encoder_hidden_states = at::randn({1, 3, model.config().text_dim}, g);
    calls.push_back({step, suffix, model.forward(in).sample});
    at::randn({64});  // the global generator
    return std::vector<WebhookValidationInfo>{};
  };
}

TEST(TrainerValidation, RunsAtItsStepsAndLeavesTheLossesAlone) {
  TempDir dir;
  const DatasetConfigs datasets = tiny_datasets(dir / "cache");
  const Preparation prepared = prepare(datasets);
  TrainerSettings plain = tiny_settings(dir / "plain");
  plain.max_train_steps = 5;
  train(plain, prepared, datasets);

  std::vector<Call> calls;
  TrainerSettings s = tiny_settings(dir / "validated");
  s.max_train_steps = 5;
  s.validation.render = recorder(calls);
  s.validation.every = 2;
  s.validation.on_startup = true;
  s.validation.ema = EmaValidation::kComparison;
  train(s, prepared, datasets);

  std::vector<std::pair<int64_t, std::string>> seen;
  for (const Call& c : calls) seen.emplace_back(c.step, c.suffix);
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {0, ""}, {0, "_ema"}, {2, ""}, {2, "_ema"}, {4, ""}, {4, "_ema"}, {5, ""}, {5, "_ema"}};
  EXPECT_EQ(seen, expected);
  // At step 0 the EMA equals the fresh adapter; later the two renders see other weights.
  EXPECT_TRUE(at::equal(calls[0].output, calls[1].output));
  EXPECT_FALSE(at::allclose(calls[2].output, calls[3].output));
  EXPECT_EQ(losses(dir / "validated"), losses(dir / "plain"));
  expect_same_adapter(dir / "validated" / "pytorch_lora_weights.safetensors",
                      dir / "plain" / "pytorch_lora_weights.safetensors");
}

TEST(TrainerValidation, EmaOnlyRendersTheEmaWeightsOnce) {
  TempDir dir;
  const DatasetConfigs datasets = tiny_datasets(dir / "cache");
  const Preparation prepared = prepare(datasets);
  std::vector<Call> comparison, ema_only, none;
  for (auto [mode, calls] :
       {std::pair{EmaValidation::kComparison, &comparison},
        std::pair{EmaValidation::kEmaOnly, &ema_only}, std::pair{EmaValidation::kNone, &none}}) {
    TrainerSettings s = tiny_settings(dir / std::to_string(static_cast<int>(mode)));
    s.max_train_steps = 2;
    s.validation.render = recorder(*calls);
    s.validation.every = 2;
    s.validation.ema = mode;
    train(s, prepared, datasets);
  }
  ASSERT_EQ(comparison.size(), 2u);
  ASSERT_EQ(ema_only.size(), 1u);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(ema_only[0].suffix, "");
  EXPECT_TRUE(at::equal(ema_only[0].output, comparison[1].output));  // the EMA weights
  EXPECT_TRUE(at::equal(none[0].output, comparison[0].output));      // the trained weights
}

TEST(TrainerValidation, AFailingRenderDoesNotStopTheRun) {
  TempDir dir;
  const DatasetConfigs datasets = tiny_datasets(dir / "cache");
  const Preparation prepared = prepare(datasets);
  TrainerSettings s = tiny_settings(dir / "run");
  s.max_train_steps = 3;
  int calls = 0;
  s.validation.render = [&](int64_t, const WanTransformer&, const std::string&,
                            const ValidationPreviewSink&) -> std::vector<WebhookValidationInfo> {
    ++calls;
    throw std::runtime_error("out of memory");
  };
  s.validation.every = 1;
  s.validation.ema = EmaValidation::kNone;
  const TrainResult r = train(s, prepared, datasets);
  EXPECT_EQ(r.global_step, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(fs::exists(r.adapter));
}

TEST(ValidationHook, DueAtTheIntervalTheEndAndOptionallyTheStart) {
  ValidationHook hook;
  EXPECT_FALSE(validation_due(hook, 10, 10));  // no renderer
  hook.render = [](int64_t, const WanTransformer&, const std::string&,
                   const ValidationPreviewSink&) { return std::vector<WebhookValidationInfo>{}; };
  hook.every = 4;
  EXPECT_FALSE(validation_due(hook, 0, 10));
  EXPECT_TRUE(validation_due(hook, 4, 10));
  EXPECT_FALSE(validation_due(hook, 5, 10));
  EXPECT_TRUE(validation_due(hook, 8, 10));
  EXPECT_TRUE(validation_due(hook, 10, 10));
  hook.on_startup = true;
  EXPECT_TRUE(validation_due(hook, 0, 10));
  hook.every = 0;
  EXPECT_FALSE(validation_due(hook, 4, 10));
  EXPECT_TRUE(validation_due(hook, 10, 10));
  EXPECT_EQ(parse_ema_validation("ema_only"), EmaValidation::kEmaOnly);
  EXPECT_THROW(parse_ema_validation("both"), Error);
}

}  // namespace
}  // namespace reel
