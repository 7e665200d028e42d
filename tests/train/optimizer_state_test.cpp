#include <gtest/gtest.h>

#include <cctype>
#include <ostream>

#include "support/error_of.h"
#include "train/optimizer_factory.h"
#include "train/optimizer_test_support.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

struct Case {
  std::string optimizer;
  at::ScalarType dtype;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.optimizer << " on " << c10::toString(c.dtype) << " weights";
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.optimizer + "_" + c10::toString(info.param.dtype);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// A big tensor (8-bit state where bnb quantises, a short last block) and a small one.
Optimizer::NamedTensors make_params(at::ScalarType dtype) {
  at::manual_seed(5);
  return {{"big", at::randn({65, 70}).to(dtype).requires_grad_(true)},
          {"small", at::randn({3}).to(dtype).requires_grad_(true)}};
}

Optimizer::NamedTensors copy_params(const Optimizer::NamedTensors& params) {
  Optimizer::NamedTensors out;
  for (const auto& [name, p] : params)
    out.emplace_back(name, p.detach().clone().requires_grad_(true));
  return out;
}

// Gradients that depend on the weights, so that two runs only agree if their weights do.
void steps(Optimizer& opt, int n, int first) {
  for (int k = first; k < first + n; ++k) {
    for (const auto& [name, p] : opt.params())
      p.mutable_grad() = ((p.detach().to(at::kFloat) - 0.1 * k) * 0.5).to(p.scalar_type());
    opt.step(1e-3 * (1 + 0.1 * k));
    opt.zero_grad();
  }
}

OptimizerSettings settings_for(const std::string& optimizer, uint64_t seed) {
  OptimizerSettings s = default_optimizer_settings(optimizer);
  s.seed = seed;
  // lr * weight_decay ~ 2e-3 per step: adamw_bf16's delayed decay fires within 3 steps.
  s.weight_decay = 2.0;
  return s;
}

class OptimizerStateRoundTrip : public testing::TestWithParam<Case> {};

TEST_P(OptimizerStateRoundTrip, ResumedRunMatchesTheUninterruptedOneBitForBit) {
  const Case c = GetParam();
  test::SingleThreaded one_thread;
  // Uninterrupted: 3 steps, save, 3 more.
  auto a = make_optimizer(c.optimizer, make_params(c.dtype), settings_for(c.optimizer, 1));
  steps(*a, 3, 0);
  Optimizer::NamedTensors saved_state;
  for (const auto& [key, t] : a->state()) saved_state.emplace_back(key, t.clone());
  const Optimizer::NamedTensors saved_params = copy_params(a->params());
  steps(*a, 3, 3);

  // Resumed: a fresh optimizer (another seed, which load_state must override) on the saved
  // weights, loaded with the saved state, runs the same 3 steps.
  auto b = make_optimizer(c.optimizer, copy_params(saved_params), settings_for(c.optimizer, 99));
  b->load_state(saved_state);
  EXPECT_EQ(b->steps(), 3);
  steps(*b, 3, 3);

  for (size_t i = 0; i < a->params().size(); ++i) {
    EXPECT_TRUE(a->params()[i].second.equal(b->params()[i].second)) << a->params()[i].first;
    EXPECT_FALSE(a->params()[i].second.equal(saved_params[i].second)) << "weights did not move";
  }
  const auto sa = a->state(), sb = b->state();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(sa[i].second.equal(sb[i].second)) << sa[i].first;
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllOptimizers, OptimizerStateRoundTrip,
    testing::Values(Case{"torch-adamw", at::kFloat}, Case{"adamw_bf16", at::kBFloat16},
                    Case{"optimi-adamw", at::kFloat}, Case{"optimi-adamw", at::kBFloat16},
                    Case{"optimi-lion", at::kFloat}, Case{"optimi-lion", at::kBFloat16},
                    Case{"bnb-adamw8bit", at::kFloat}, Case{"bnb-adamw8bit", at::kBFloat16},
                    Case{"bnb-lion8bit-paged", at::kFloat}),
    case_name);

TEST(OptimizerState, AdamWBf16SavesItsGenerator) {
  auto opt =
      make_optimizer("adamw_bf16", make_params(at::kBFloat16), settings_for("adamw_bf16", 1));
  const std::vector<std::string> names = test::state_names(*opt);
  EXPECT_EQ(names.front(), "step");
  EXPECT_EQ(names.back(), "rng_state");
  EXPECT_EQ(test::state_of(*opt, "rng_state").scalar_type(), at::kByte);
}

TEST(OptimizerState, Bnb8bitStateNames) {
  auto opt =
      make_optimizer("bnb-adamw8bit", make_params(at::kFloat), settings_for("bnb-adamw8bit", 1));
  EXPECT_EQ(test::state_names(*opt),
            (std::vector<std::string>{"step", "big/step", "big/exp_avg", "big/exp_avg_absmax",
                                      "big/exp_avg_sq", "big/exp_avg_sq_absmax", "small/step",
                                      "small/exp_avg", "small/exp_avg_sq"}));
}

class LoadStateErrors : public testing::Test {
 protected:
  void SetUp() override {
    opt_ = make_optimizer("torch-adamw", make_params(at::kFloat), settings_for("torch-adamw", 1));
    steps(*opt_, 2, 0);
    for (const auto& [key, t] : opt_->state()) good_.emplace_back(key, t.clone());
  }
  // `good_` with the entry `key` replaced (or dropped when `t` is undefined).
  Optimizer::NamedTensors with(const std::string& key, const at::Tensor& t) const {
    Optimizer::NamedTensors out;
    for (const auto& [k, v] : good_) {
      if (k != key) {
        out.emplace_back(k, v);
      } else if (t.defined()) {
        out.emplace_back(k, t);
      }
    }
    return out;
  }

  std::unique_ptr<Optimizer> opt_;
  Optimizer::NamedTensors good_;
};

TEST_F(LoadStateErrors, MissingEntry) {
  const std::string e = error_of([&] { opt_->load_state(with("big/exp_avg_sq", {})); });
  EXPECT_TRUE(contains_text(e, "'big/exp_avg_sq' is missing")) << e;
}

TEST_F(LoadStateErrors, WrongShape) {
  const std::string e = error_of([&] {
    opt_->load_state(with("big/exp_avg", at::zeros({70, 65})));
  });
  EXPECT_TRUE(contains_text(e, "'big/exp_avg'")) << e;
  EXPECT_TRUE(contains_text(e, "[70, 65]")) << e;
  EXPECT_TRUE(contains_text(e, "[65, 70]")) << e;
}

TEST_F(LoadStateErrors, WrongDtype) {
  const std::string e =
      error_of([&] { opt_->load_state(with("small/exp_avg", at::zeros({3}, at::kBFloat16))); });
  EXPECT_TRUE(contains_text(e, "'small/exp_avg'")) << e;
  EXPECT_TRUE(contains_text(e, "BFloat16")) << e;
}

TEST_F(LoadStateErrors, UnknownEntry) {
  Optimizer::NamedTensors state = good_;
  state.emplace_back("other/exp_avg", at::zeros({3}));
  const std::string e = error_of([&] { opt_->load_state(state); });
  EXPECT_TRUE(contains_text(e, "unexpected 'other/exp_avg'")) << e;
}

TEST_F(LoadStateErrors, NothingChangesWhenOneEntryIsBad) {
  // Zeros everywhere, but one entry of the wrong shape: the live state must stay as it was.
  Optimizer::NamedTensors zeros;
  for (const auto& [k, v] : good_) zeros.emplace_back(k, at::zeros_like(v));
  zeros.back().second = at::zeros({1});
  EXPECT_NE(error_of([&] { opt_->load_state(zeros); }), "(no error)");
  EXPECT_EQ(opt_->steps(), 2);
  for (const auto& [key, t] : opt_->state())
    if (key.find("exp_avg") != std::string::npos) EXPECT_GT(t.abs().sum().item<double>(), 0) << key;
}

TEST(Optimizer, StepSkipsParamsWithoutGradAndZeroGradDropsGrads) {
  auto opt = make_optimizer("optimi-lion", make_params(at::kFloat), settings_for("optimi-lion", 1));
  const at::Tensor big = opt->params()[0].second, small = opt->params()[1].second;
  const at::Tensor small_before = small.detach().clone();
  big.mutable_grad() = at::ones_like(big);
  opt->step(0.1);
  EXPECT_TRUE(small.equal(small_before));
  opt->zero_grad();
  EXPECT_FALSE(big.grad().defined());
}

TEST(Optimizer, RejectsABadLearningRate) {
  auto opt = make_optimizer("torch-adamw", make_params(at::kFloat), settings_for("torch-adamw", 1));
  EXPECT_TRUE(contains_text(error_of([&] { opt->step(-1e-4); }), "learning rate"));
  EXPECT_TRUE(contains_text(error_of([&] { opt->step(std::nan("")); }), "learning rate"));
  EXPECT_EQ(opt->steps(), 0);
}

TEST(Optimizer, RejectsBadParameters) {
  const at::Tensor p = at::zeros({2}).requires_grad_(true);
  EXPECT_TRUE(contains_text(error_of([&] {
                              make_optimizer("torch-adamw", {{"a", p}, {"a", p}}, {});
                            }),
                            "twice"));
  EXPECT_TRUE(contains_text(error_of([&] {
                              make_optimizer("torch-adamw", {{"frozen", at::zeros({2})}}, {});
                            }),
                            "'frozen'"));
  EXPECT_TRUE(contains_text(error_of([&] { make_optimizer("torch-adamw", {}, {}); }),
                            "no trainable parameters"));
}

}  // namespace
}  // namespace reel
