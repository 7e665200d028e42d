#include "train/ema.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "support/error_of.h"

namespace reel {
namespace {

using Named = std::vector<std::pair<std::string, at::Tensor>>;

void expect_values(const at::Tensor& t, std::vector<double> want) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(t.reshape({-1})[i].item<double>(), want[i], 1e-6) << i;
  }
}

TEST(EmaDecay, FollowsStsWarmingRule) {
  const EmaConfig c{.decay = 0.995};
  EXPECT_EQ(ema_decay_at(c, 0), 0.0);
  EXPECT_EQ(ema_decay_at(c, 1), 0.0);                // k = 0
  EXPECT_DOUBLE_EQ(ema_decay_at(c, 2), 2.0 / 11.0);  // k = 1: (1+1)/(10+1)
  EXPECT_DOUBLE_EQ(ema_decay_at(c, 1000), 1000.0 / 1009.0);
  EXPECT_DOUBLE_EQ(ema_decay_at(c, 10000), 0.995);  // 10000/10009 > 0.995
  // ema_warmup_steps: 0 before, then the fixed decay.
  const EmaConfig w{.decay = 0.9, .warmup_steps = 3};
  EXPECT_EQ(ema_decay_at(w, 2), 0.0);
  EXPECT_EQ(ema_decay_at(w, 3), 0.9);
  EXPECT_EQ(ema_decay_at(w, 50), 0.9);
}

TEST(Ema, UpdatesOnTheIntervalsStepsByHand) {
  at::Tensor p = at::tensor({1.0f, -2.0f});
  Ema ema({{"w", p}}, {.decay = 0.995, .update_interval = 2});
  EXPECT_EQ(ema.last_decay(), 0.0);

  p.copy_(at::tensor({3.0f, 0.0f}));
  EXPECT_FALSE(ema.update(1));  // 1 % 2 != 0
  expect_values(ema.shadow()[0].second, {1.0, -2.0});

  // Step 2: decay 2/11; s - (9/11)(s - p): 1 + 18/11 = 29/11, -2 + 18/11 = -4/11.
  EXPECT_TRUE(ema.update(2));
  expect_values(ema.shadow()[0].second, {29.0 / 11.0, -4.0 / 11.0});
  EXPECT_DOUBLE_EQ(ema.last_decay(), 2.0 / 11.0);

  p.copy_(at::tensor({5.0f, 1.0f}));
  EXPECT_FALSE(ema.update(3));
  EXPECT_DOUBLE_EQ(ema.last_decay(), 2.0 / 11.0);  // still the last update's
  // Step 4: decay 4/13; 29/11 - (9/13)(29/11 - 5) = 47/11; -4/11 - (9/13)(-4/11 - 1) = 83/143.
  EXPECT_TRUE(ema.update(4));
  expect_values(ema.shadow()[0].second, {47.0 / 11.0, 83.0 / 143.0});
  EXPECT_DOUBLE_EQ(ema.last_decay(), 4.0 / 13.0);
  EXPECT_EQ(ema.last_update_step(), 4);
}

TEST(Ema, WarmupCopiesThenUsesTheFixedDecay) {
  at::Tensor p = at::tensor({0.0});
  Ema ema({{"w", p}}, {.decay = 0.9, .warmup_steps = 3});
  p.fill_(4.0);
  ema.update(1);  // decay 0: copy
  expect_values(ema.shadow()[0].second, {4.0});
  p.fill_(6.0);
  ema.update(2);  // decay 0: copy
  expect_values(ema.shadow()[0].second, {6.0});
  p.fill_(16.0);
  ema.update(3);  // decay 0.9: 6 - 0.1 (6 - 16) = 7
  expect_values(ema.shadow()[0].second, {7.0});
  EXPECT_DOUBLE_EQ(ema.last_decay(), 0.9);
}

TEST(Ema, ShadowIsAFloat32CopyOnItsDevice) {
  at::Tensor p = at::full({2, 3}, 1.5, at::kBFloat16);
  Ema ema({{"a.lora_A.weight", p}}, {});
  const at::Tensor& s = ema.shadow()[0].second;
  EXPECT_EQ(s.scalar_type(), at::kFloat);
  EXPECT_TRUE(s.device().is_cpu());
  EXPECT_EQ(ema.shadow()[0].first, "a.lora_A.weight");
  p.fill_(9.0);  // the shadow does not alias the parameter
  expect_values(s, {1.5, 1.5, 1.5, 1.5, 1.5, 1.5});
}

Named two_params(double a, double b) {
  return {{"a", at::full({2, 2}, a)}, {"b", at::full({3}, b)}};
}

TEST(Ema, RestoredStateContinuesExactly) {
  auto step_params = [](Named& p, int64_t g) {
    p[0].second.add_(0.5 * g);
    p[1].second.mul_(-1.1);
  };
  const EmaConfig config{.decay = 0.95, .update_interval = 2};
  Named straight = two_params(1.0, 2.0);
  Ema a(straight, config);
  for (int64_t g = 1; g <= 7; ++g) {
    step_params(straight, g);
    a.update(g);
  }

  Named first = two_params(1.0, 2.0);
  Ema b(first, config);
  for (int64_t g = 1; g <= 3; ++g) {
    step_params(first, g);
    b.update(g);
  }
  const Named saved = b.state_tensors();
  const nlohmann::json state = nlohmann::json::parse(b.state_json().dump());

  // A fresh run: its parameters continue from where the first left them.
  Named resumed = two_params(0.0, 0.0);
  resumed[0].second.copy_(first[0].second);
  resumed[1].second.copy_(first[1].second);
  Ema c(resumed, config);
  c.restore(saved, state);
  EXPECT_EQ(c.last_update_step(), 2);
  for (int64_t g = 4; g <= 7; ++g) {
    step_params(resumed, g);
    c.update(g);
  }
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(at::equal(c.shadow()[i].second, a.shadow()[i].second)) << i;
  }
  EXPECT_EQ(c.last_decay(), a.last_decay());
}

TEST(Ema, RestoreRejectsAnotherAdaptersState) {
  Ema ema(two_params(1, 2), {});
  const nlohmann::json state = ema.state_json();
  auto error = [&](const Named& tensors, const nlohmann::json& s) {
    return test::error_of([&] { ema.restore(tensors, s); });
  };
  EXPECT_TRUE(test::contains_text(error({{"a", at::zeros({2, 2})}}, state), "no tensor 'b'"));
  EXPECT_TRUE(test::contains_text(error({{"a", at::zeros({2, 3})}, {"b", at::zeros({3})}}, state),
                                  "[2, 3]"));
  EXPECT_TRUE(test::contains_text(
      error({{"a", at::zeros({2, 2})}, {"b", at::zeros({3})}, {"c", at::zeros({1})}}, state),
      "'c'"));
  EXPECT_TRUE(
      test::contains_text(error(ema.state_tensors(), {{"format", "other"}}), "not an EMA state"));
}

TEST(Ema, BadConfigsAreErrors) {
  EXPECT_TRUE(test::contains_text(test::error_of([] { Ema(two_params(1, 2), {.decay = 1.5}); }),
                                  "ema_decay"));
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { Ema(two_params(1, 2), {.update_interval = 0}); }),
                          "ema_update_interval"));
}

}  // namespace
}  // namespace reel
