#include "train/flow_matching.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/safetensors.h"
#include "support/error_of.h"
#include "test_paths.h"

namespace reel {
namespace {

const std::filesystem::path kSchedulers = std::filesystem::path(REEL_FIXTURES_DIR) / "schedulers";

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

std::vector<double> to_vector(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kDouble).contiguous();
  return {d.const_data_ptr<double>(), d.const_data_ptr<double>() + d.numel()};
}

// sup |F_a - F_b| of the two samples' empirical CDFs.
double ks_two_sample(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::fabs(double(i) / a.size() - double(j) / b.size()));
  }
  return d;
}

// sup |F_sample - F| against a CDF given as a function.
template <class Cdf>
double ks_one_sample(std::vector<double> a, Cdf cdf) {
  std::sort(a.begin(), a.end());
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double f = cdf(a[i]);
    d = std::max({d, std::fabs(double(i + 1) / a.size() - f), std::fabs(double(i) / a.size() - f)});
  }
  return d;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

double variance(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / v.size();
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

std::vector<double> draw(const FlowMatchingConfig& config, int64_t n, uint64_t seed,
                         const std::vector<double>& offsets = {}) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return to_vector(sample_sigmas(config, {n, 16, 1, 4, 4}, offsets, gen));
}

FlowMatchingConfig unshifted(FlowSampler sampler) {
  FlowMatchingConfig c;
  c.sampler = sampler;
  c.shift = 1.0;
  return c;
}

// --- the fixture (SimpleTuner's maths on seeded tensors) --------------------------------------

struct TrainingFixture : ::testing::Test {
  void SetUp() override {
    file =
        std::make_unique<SafetensorsFile>(SafetensorsFile::open(kSchedulers / "cases.safetensors"));
    std::ifstream in(kSchedulers / "fixture.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    const nlohmann::json& c = j.at("cases").at("training");
    shift = c.at("shift").get<double>();
    sigmoid_scale = c.at("sigmoid_scale").get<double>();
    tolerance = j.at("tolerance").at("training").get<double>();
  }
  at::Tensor get(const std::string& name) const { return file->tensor("training/" + name); }

  std::unique_ptr<SafetensorsFile> file;
  double shift = 0, sigmoid_scale = 0, tolerance = 0;
};

TEST_F(TrainingFixture, NoisyTargetAndTimestepsMatch) {
  const FlowInputs in = flow_inputs(get("latents"), get("noise"), get("sigmas"));
  EXPECT_LE(max_abs_diff(in.noisy, get("noisy")), tolerance);
  EXPECT_LE(max_abs_diff(in.target, get("target")), tolerance);
  EXPECT_LE(max_abs_diff(in.timesteps, get("timesteps")), tolerance);
  EXPECT_EQ(in.timesteps.scalar_type(), at::kFloat);
  EXPECT_EQ(in.timesteps.sizes().vec(), std::vector<int64_t>{3});
}

TEST_F(TrainingFixture, ShiftedUniformSigmasMatch) {
  EXPECT_EQ(shift, 3.0);
  EXPECT_LE(max_abs_diff(shift_sigmas(get("u"), shift), get("shifted_sigmas")), tolerance);
}

TEST_F(TrainingFixture, LogitNormalSigmasMatch) {
  const at::Tensor ls = logit_normal(get("normal"), sigmoid_scale);
  EXPECT_LE(max_abs_diff(ls, get("logit_normal_sigmas")), tolerance);
  EXPECT_LE(max_abs_diff(shift_sigmas(ls, shift), get("logit_normal_shifted_sigmas")), tolerance);
}

// --- shift ----------------------------------------------------------------------------------

TEST(FlowShift, ShiftAndItsInverse) {
  // s = 3, u = 0.5: 1.5 / 2 = 0.75.
  EXPECT_DOUBLE_EQ(shift_sigma(0.5, 3.0), 0.75);
  EXPECT_DOUBLE_EQ(shift_sigma(0.0, 3.0), 0.0);
  EXPECT_DOUBLE_EQ(shift_sigma(1.0, 3.0), 1.0);
  EXPECT_DOUBLE_EQ(shift_sigma(0.3, 1.0), 0.3);
  // s = 5, sigma = 0.9: u = 0.9 / (5 - 3.6) = 0.642857...
  EXPECT_NEAR(unshift_sigma(0.9, 5.0), 0.9 / 1.4, 1e-15);
  EXPECT_NEAR(shift_sigma(unshift_sigma(0.37, 7.5), 7.5), 0.37, 1e-15);
}

TEST(FlowShift, AutoShiftOfTheSpecsVideos) {
  FlowMatchingConfig c;
  c.shift = 0.0;
  c.auto_shift = true;
  // m = (1.15 - 0.5) / (4096 - 256) = 1.6927083e-4, b = 0.5 - 256 m = 0.4566667.
  // 832x480x81: latents 21x60x104, seq = 21 * 30 * 52 = 32760, mu = 6.0019792, s = 404.22804.
  const LatentSize big{21, 60, 104};
  EXPECT_EQ(auto_shift_seq_len(big, c), 32760);
  EXPECT_NEAR(std::log(auto_shift(big, c)), 6.0019791667, 1e-9);
  EXPECT_NEAR(auto_shift(big, c), 404.22804, 1e-4);
  // 640x352x73: latents 19x44x80, seq = 19 * 22 * 40 = 16720, mu = 3.286875, s = 26.759111.
  const LatentSize example{19, 44, 80};
  EXPECT_EQ(auto_shift_seq_len(example, c), 16720);
  EXPECT_NEAR(auto_shift(example, c), 26.759111, 1e-5);
  // At the line's ends: seq 256 -> e^0.5, seq 4096 -> e^1.15 (1x32x32 and 1x128x128).
  EXPECT_NEAR(auto_shift({1, 32, 32}, c), std::exp(0.5), 1e-12);
  EXPECT_NEAR(auto_shift({1, 128, 128}, c), std::exp(1.15), 1e-12);
  // Odd sizes are floored by the patch: 1x33x35 -> 16 * 17 = 272.
  EXPECT_EQ(auto_shift_seq_len({1, 33, 35}, c), 272);
}

TEST(FlowShift, StaticShiftWinsOverAutoShift) {
  FlowMatchingConfig c;
  c.auto_shift = true;
  c.shift = 5.0;
  EXPECT_EQ(resolved_shift({21, 60, 104}, c), 5.0);
  c.shift = 0.0;
  EXPECT_NEAR(resolved_shift({21, 60, 104}, c), 404.22804, 1e-4);
  c.auto_shift = false;
  EXPECT_EQ(resolved_shift({21, 60, 104}, c), 1.0);
}

TEST(FlowShift, LatentSizeOfVideoAndImageLatents) {
  const LatentSize v = latent_size_of(std::vector<int64_t>{2, 16, 21, 60, 104});
  EXPECT_EQ(v.frames, 21);
  EXPECT_EQ(v.height, 60);
  EXPECT_EQ(v.width, 104);
  const LatentSize i = latent_size_of(std::vector<int64_t>{2, 16, 60, 104});
  EXPECT_EQ(i.frames, 1);
  EXPECT_EQ(i.width, 104);
  EXPECT_TRUE(test::contains_text(test::error_of([] {
                                    latent_size_of(std::vector<int64_t>{2, 16});
                                  }),
                                  "2 dims"));
}

TEST(FlowShift, AutoShiftWarningNamesTheLargestBucket) {
  FlowMatchingConfig c;
  c.shift = 0.0;
  c.auto_shift = true;
  const std::vector<LatentSize> buckets = {{19, 44, 80}, {21, 60, 104}, {1, 32, 32}};
  const std::optional<std::string> line = auto_shift_warning(c, buckets);
  ASSERT_TRUE(line.has_value());
  EXPECT_TRUE(test::contains_text(*line, "21x60x104")) << *line;
  EXPECT_TRUE(test::contains_text(*line, "32760")) << *line;
  EXPECT_TRUE(test::contains_text(*line, "404.2")) << *line;
  // Nothing past max_seq_len, a static shift, or auto shift off: no warning.
  EXPECT_FALSE(auto_shift_warning(c, {{1, 64, 64}}).has_value());
  c.shift = 3.0;
  EXPECT_FALSE(auto_shift_warning(c, buckets).has_value());
  c.shift = 0.0;
  c.auto_shift = false;
  EXPECT_FALSE(auto_shift_warning(c, buckets).has_value());
}

// --- sampling statistics (20000 seeded draws) -------------------------------------------------

constexpr int64_t kDraws = 20000;

TEST(FlowSampling, UniformBeforeShift) {
  const std::vector<double> u = draw(unshifted(FlowSampler::kUniform), kDraws, 1);
  EXPECT_NEAR(mean(u), 0.5, 0.01);
  EXPECT_NEAR(variance(u), 1.0 / 12.0, 0.003);
  EXPECT_LT(ks_one_sample(u, [](double x) { return x; }), 0.015);
}

TEST(FlowSampling, UniformAfterShiftThree) {
  FlowMatchingConfig c = unshifted(FlowSampler::kUniform);
  c.shift = 3.0;
  // E[3u / (1 + 2u)] = 3 (1/2 - ln(3) / 4) = 1.5 - 0.75 ln 3 = 0.6760411.
  EXPECT_NEAR(mean(draw(c, kDraws, 2)), 1.5 - 0.75 * std::log(3.0), 0.01);
}

TEST(FlowSampling, LogitNormalBeforeShift) {
  FlowMatchingConfig c = unshifted(FlowSampler::kLogitNormal);
  std::vector<double> u = draw(c, kDraws, 3);
  EXPECT_NEAR(median(u), 0.5, 0.01);
  // logit(u) = scale * (z + offset) is normal: check its mean and spread.
  c.sigmoid_scale = 1.5;
  u = draw(c, kDraws, 4, std::vector<double>(kDraws, 0.4));
  std::vector<double> logits;
  for (double x : u) logits.push_back(std::log(x / (1 - x)));
  EXPECT_NEAR(mean(logits), 1.5 * 0.4, 0.04);
  EXPECT_NEAR(std::sqrt(variance(logits)), 1.5, 0.04);
}

TEST(FlowSampling, BetaBeforeShift) {
  // Beta(2, 2): mean 1/2, variance ab / ((a+b)^2 (a+b+1)) = 4 / 80 = 0.05.
  FlowMatchingConfig c = unshifted(FlowSampler::kBeta);
  std::vector<double> u = draw(c, kDraws, 5);
  EXPECT_NEAR(mean(u), 0.5, 0.01);
  EXPECT_NEAR(variance(u), 0.05, 0.003);
  // Beta(2, 5): mean 2/7, variance 10 / (49 * 8) = 0.0255102.
  c.beta_alpha = 2.0;
  c.beta_beta = 5.0;
  u = draw(c, kDraws, 6);
  EXPECT_NEAR(mean(u), 2.0 / 7.0, 0.01);
  EXPECT_NEAR(variance(u), 10.0 / 392.0, 0.002);
}

TEST(FlowSampling, SameSeedSameDraws) {
  for (FlowSampler s : {FlowSampler::kLogitNormal, FlowSampler::kUniform, FlowSampler::kBeta}) {
    FlowMatchingConfig c;
    c.sampler = s;
    c.sigma_range = SigmaRange{0.0, 0.9};
    EXPECT_EQ(draw(c, 64, 7), draw(c, 64, 7));
    EXPECT_NE(draw(c, 64, 7), draw(c, 64, 8));
  }
}

TEST(FlowSampling, ReturnsFloat32OnePerSample) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(9);
  const at::Tensor s = sample_sigmas(FlowMatchingConfig{}, {3, 16, 2, 4, 6}, {}, gen);
  EXPECT_EQ(s.scalar_type(), at::kFloat);
  EXPECT_EQ(s.sizes().vec(), std::vector<int64_t>{3});
  EXPECT_TRUE(s.device().is_cpu());
}

// --- Wan 2.2 expert ranges ------------------------------------------------------------------

TEST(FlowExpertRange, StagesMapToTheBoundary) {
  const std::optional<SigmaRange> high = expert_sigma_range("high", 0.9);
  ASSERT_TRUE(high.has_value());
  EXPECT_EQ(high->lo, 0.9);
  EXPECT_EQ(high->hi, 1.0);
  const std::optional<SigmaRange> low = expert_sigma_range("low", 0.875);
  ASSERT_TRUE(low.has_value());
  EXPECT_EQ(low->lo, 0.0);
  EXPECT_EQ(low->hi, 0.875);
  EXPECT_FALSE(expert_sigma_range("", 0.9).has_value());
  EXPECT_TRUE(test::contains_text(test::error_of([] { expert_sigma_range("mid", 0.9); }), "mid"));
  EXPECT_TRUE(test::contains_text(test::error_of([] { expert_sigma_range("high", 1.5); }),
                                  "wan_boundary_ratio"));
}

TEST(FlowExpertRange, EverySigmaLandsInItsExpertsRange) {
  for (FlowSampler s : {FlowSampler::kLogitNormal, FlowSampler::kUniform, FlowSampler::kBeta}) {
    for (const SigmaRange r : {SigmaRange{0.9, 1.0}, SigmaRange{0.0, 0.9}, SigmaRange{0.2, 0.3}}) {
      FlowMatchingConfig c;
      c.sampler = s;
      c.shift = 5.0;
      c.sigma_range = r;
      const std::vector<double> sigmas = draw(c, 5000, 10);
      const auto [lo, hi] = std::minmax_element(sigmas.begin(), sigmas.end());
      EXPECT_GE(*lo, r.lo);
      EXPECT_LT(*hi, r.hi);
      // The draws spread over the range rather than piling up at an end.
      EXPECT_LT(*lo, r.lo + 0.2 * (r.hi - r.lo));
      EXPECT_GT(*hi, r.hi - 0.2 * (r.hi - r.lo));
    }
  }
}

// The restricted sampler is the full-range sampler conditioned on the range: compare with
// full-range draws that happen to land there.
std::vector<double> full_range_draws_in(FlowMatchingConfig c, const SigmaRange& r) {
  c.sigma_range.reset();
  std::vector<double> kept;
  for (double s : draw(c, 100000, 11)) {
    if (s >= r.lo && s < r.hi) kept.push_back(s);
  }
  return kept;
}

TEST(FlowExpertRange, RestrictedUniformIsTheConditionedUniform) {
  FlowMatchingConfig c;
  c.sampler = FlowSampler::kUniform;
  c.shift = 5.0;
  for (const SigmaRange r : {SigmaRange{0.9, 1.0}, SigmaRange{0.0, 0.9}}) {
    c.sigma_range = r;
    const std::vector<double> restricted = draw(c, kDraws, 12);
    const std::vector<double> kept = full_range_draws_in(c, r);
    ASSERT_GT(kept.size(), 10000u);
    // Two-sample KS, 0.1% level: 1.95 sqrt(1/n + 1/m) <= 0.018 here.
    EXPECT_LT(ks_two_sample(restricted, kept), 0.018) << r.lo;
    // And against the exact conditional CDF: P(sigma <= x) = u(x) with u(x) = x / (5 - 4x),
    // rescaled to the range.
    const double u_lo = r.lo / (5 - 4 * r.lo), u_hi = r.hi / (5 - 4 * r.hi);
    EXPECT_LT(ks_one_sample(restricted,
                            [&](double x) { return (x / (5 - 4 * x) - u_lo) / (u_hi - u_lo); }),
              0.015)
        << r.lo;
  }
}

TEST(FlowExpertRange, RestrictedLogitNormalAndBetaAreConditionedToo) {
  for (FlowSampler s : {FlowSampler::kLogitNormal, FlowSampler::kBeta}) {
    FlowMatchingConfig c;
    c.sampler = s;
    c.shift = 3.0;
    const SigmaRange r{0.9, 1.0};
    c.sigma_range = r;
    const std::vector<double> kept = full_range_draws_in(c, r);
    ASSERT_GT(kept.size(), 5000u);
    EXPECT_LT(ks_two_sample(draw(c, kDraws, 13), kept), 0.03);
  }
}

TEST(FlowExpertRange, ARangeTheSamplerCannotReachIsAnError) {
  FlowMatchingConfig c;
  c.sigmoid_scale = 0.01;  // u stays near 1/2, so sigma near 0.75 at shift 3
  c.sigma_range = SigmaRange{0.0, 0.1};
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  EXPECT_TRUE(test::contains_text(test::error_of([&] {
                                    sample_sigmas(c, {2, 16, 1, 4, 4}, {}, gen);
                                  }),
                                  "no weight"));
}

// --- custom timesteps -------------------------------------------------------------------------

TEST(FlowSampling, CustomSigmasAndTimesteps) {
  FlowMatchingConfig c;
  c.sampler = FlowSampler::kCustom;
  c.custom_timesteps = {0.25, 0.5};
  std::vector<double> s = draw(c, 400, 14);
  EXPECT_EQ(std::count(s.begin(), s.end(), 0.25) + std::count(s.begin(), s.end(), 0.5), 400);
  EXPECT_GT(std::count(s.begin(), s.end(), 0.25), 150);
  // Values > 1 are timesteps out of 1000; neither shifted nor clamped to a range.
  c.custom_timesteps = {250, 750};
  c.sigma_range = SigmaRange{0.9, 1.0};
  s = draw(c, 400, 15);
  EXPECT_EQ(std::count(s.begin(), s.end(), 0.25) + std::count(s.begin(), s.end(), 0.75), 400);
  c.custom_timesteps = {1200};
  EXPECT_EQ(draw(c, 2, 16), (std::vector<double>{1.0, 1.0}));
}

TEST(FlowSampling, BadConfigsAreErrors) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const std::vector<int64_t> shape = {2, 16, 1, 4, 4};
  auto error = [&](const FlowMatchingConfig& c, const std::vector<double>& offsets = {}) {
    return test::error_of([&] { sample_sigmas(c, shape, offsets, gen); });
  };
  FlowMatchingConfig c;
  EXPECT_TRUE(test::contains_text(error(c, {0.1, 0.2, 0.3}), "3 timestep_sampling_offset"));
  c.sampler = FlowSampler::kCustom;
  EXPECT_TRUE(test::contains_text(error(c), "flow_custom_timesteps"));
  c.sampler = FlowSampler::kBeta;
  c.beta_alpha = 0.0;
  EXPECT_TRUE(test::contains_text(error(c), "flow_beta_schedule_alpha"));
  c = FlowMatchingConfig{};
  c.sigmoid_scale = -1.0;
  EXPECT_TRUE(test::contains_text(error(c), "flow_sigmoid_scale"));
  c = FlowMatchingConfig{};
  c.sigma_range = SigmaRange{0.5, 0.5};
  EXPECT_TRUE(test::contains_text(error(c), "[0.5, 0.5)"));
}

// --- model inputs -----------------------------------------------------------------------------

TEST(FlowInputsTest, InputNoiseFeedsOnlyTheNoisyLatent) {
  const at::Tensor x0 = at::full({2, 1, 1}, 2.0);
  const at::Tensor noise = at::full({2, 1, 1}, -1.0);
  const at::Tensor input_noise = at::full({2, 1, 1}, 3.0);
  const at::Tensor sigmas = at::tensor({0.25f, 0.5f});
  const FlowInputs in = flow_inputs(x0, noise, sigmas, input_noise);
  // sigma 0.25: 0.75 * 2 + 0.25 * 3 = 2.25; sigma 0.5: 1 + 1.5 = 2.5. Target -1 - 2 = -3.
  EXPECT_FLOAT_EQ(in.noisy[0].item<float>(), 2.25f);
  EXPECT_FLOAT_EQ(in.noisy[1].item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(in.target[1].item<float>(), -3.0f);
  EXPECT_FLOAT_EQ(in.timesteps[0].item<float>(), 250.0f);
}

TEST(FlowInputsTest, NoisyLatentKeepsTheLatentDtype) {
  const at::Tensor x0 = at::ones({1, 16, 2, 2, 2}, at::kBFloat16);
  const FlowInputs in = flow_inputs(x0, at::zeros_like(x0), at::tensor({0.5f}));
  EXPECT_EQ(in.noisy.scalar_type(), at::kBFloat16);
  EXPECT_EQ(in.target.scalar_type(), at::kBFloat16);
  EXPECT_EQ(in.timesteps.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(in.noisy.to(at::kFloat).mean().item<float>(), 0.5f);
  EXPECT_TRUE(
      test::contains_text(test::error_of([&] {
                            flow_inputs(x0, at::zeros({1, 16, 2, 2, 3}), at::tensor({0.5f}));
                          }),
                          "differ"));
  EXPECT_TRUE(test::contains_text(test::error_of([&] {
                                    flow_inputs(x0, at::zeros_like(x0), at::tensor({0.5f, 0.1f}));
                                  }),
                                  "2 sigmas"));
}

TEST(FlowInputsTest, InputPerturbationFadesOut) {
  EXPECT_EQ(input_perturbation_scale(0.0, 0, 10), 0.0);
  EXPECT_EQ(input_perturbation_scale(0.1, 0, 10), 0.1);
  // 0.1 * (1 - 25 / 100) = 0.075
  EXPECT_NEAR(input_perturbation_scale(0.1, 100, 25), 0.075, 1e-15);
  EXPECT_EQ(input_perturbation_scale(0.1, 100, 100), 0.0);
}

}  // namespace
}  // namespace reel
