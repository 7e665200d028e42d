// LyCORIS LoKr, LoHa and LoCon on one Linear: LyCORIS' factorization and shapes, zero initial
// delta, the delta against explicitly built Kronecker / Hadamard weights, and gradients
// against finite differences.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <functional>
#include <map>

#include "adapters/adapter_test_support.h"
#include "adapters/locon_layer.h"
#include "adapters/loha_layer.h"
#include "adapters/lokr_layer.h"
#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::cpu_generator;
using test::error_of;
using test::max_abs_diff;

at::Tensor rand_double(std::vector<int64_t> shape, uint64_t seed) {
  return at::randn(shape, cpu_generator(seed)).to(at::kDouble);
}

// Values of LyCORIS' own factorization() (lycoris/functional/general.py) run in Python; its
// docstring table is out of date for 360.
TEST(LokrFactorization, MatchesLycoris) {
  const std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> expected = {
      {127, {{1, 127}, {1, 127}, {1, 127}, {1, 127}, {1, 127}}},
      {128, {{8, 16}, {2, 64}, {4, 32}, {8, 16}, {8, 16}}},
      {250, {{10, 25}, {2, 125}, {2, 125}, {5, 50}, {10, 25}}},
      {360, {{18, 20}, {2, 180}, {4, 90}, {8, 45}, {15, 24}}},
      {64, {{8, 8}, {2, 32}, {4, 16}, {8, 8}, {4, 16}}},
      {5120, {{64, 80}, {2, 2560}, {4, 1280}, {8, 640}, {16, 320}}},
      {13824, {{108, 128}, {2, 6912}, {4, 3456}, {8, 1728}, {16, 864}}},
  };
  const int64_t factors[] = {-1, 2, 4, 8, 16};
  for (const auto& [dim, pairs] : expected) {
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(lokr_factorization(dim, factors[i]), pairs[i]) << dim << " factor " << factors[i];
    }
  }
}

LokrOptions lokr(int64_t dim, double alpha) {
  LokrOptions o;
  o.dim = dim;
  o.alpha = alpha;
  return o;
}

TEST(LokrLayer, ShapesAndScaleFollowLycoris) {
  at::Generator gen = cpu_generator(1);
  // in 64 = 8·8, out 128 = 8·16; dim 4 < max(16, 8)/2, so w2 is low-rank.
  LokrLayer low(64, 128, lokr(4, 2.0), gen);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (auto& [name, t] : low.named_parameters()) shapes[name] = t.sizes().vec();
  EXPECT_EQ(shapes, (std::map<std::string, std::vector<int64_t>>{
                        {"lokr_w1", {8, 8}}, {"lokr_w2_a", {16, 4}}, {"lokr_w2_b", {4, 8}}}));
  EXPECT_DOUBLE_EQ(low.scale(), 0.5);
  // kaiming_uniform(a=√5) on w1 [8, 8]: bound 1/√8; w2_b zero.
  EXPECT_LE(low.w1().abs().max().item<double>(), 1.0 / std::sqrt(8.0));
  EXPECT_GT(low.w1().abs().max().item<double>(), 0.5 / std::sqrt(8.0));
  EXPECT_EQ(low.named_parameters()[2].second.abs().max().item<double>(), 0.0);

  // full_matrix: w2 whole, both factors full, so alpha = dim and the scale is 1.
  LokrOptions full = lokr(4, 2.0);
  full.full_matrix = true;
  LokrLayer f(64, 128, full, gen);
  EXPECT_TRUE(f.full_w1() && f.full_w2());
  EXPECT_EQ(f.w2().sizes(), at::IntArrayRef({16, 8}));
  EXPECT_DOUBLE_EQ(f.scale(), 1.0);
  EXPECT_DOUBLE_EQ(f.alpha(), 4.0);

  // A large dim also gives a full w2 (dim >= max(b, d)/2).
  EXPECT_TRUE(LokrLayer(64, 128, lokr(8, 1.0), gen).full_w2());

  // decompose_both with dim 2 < max(8, 8)/2 splits w1 too; factor 4 and unbalanced
  // factorization change the split.
  LokrOptions both = lokr(2, 1.0);
  both.decompose_both = true;
  LokrLayer b(64, 128, both, gen);
  EXPECT_FALSE(b.full_w1());
  EXPECT_EQ(b.named_parameters()[0].first, "lokr_w1_a");
  EXPECT_EQ(b.named_parameters()[0].second.sizes(), at::IntArrayRef({8, 2}));
  LokrOptions f4 = lokr(1, 1.0);
  f4.factor = 4;
  f4.unbalanced_factorization = true;
  LokrLayer u(64, 128, f4, gen);  // in (4, 16); out (4, 32) swapped to (32, 4)
  EXPECT_EQ(u.w1().sizes(), at::IntArrayRef({32, 4}));
  EXPECT_EQ(u.w2().sizes(), at::IntArrayRef({4, 16}));
}

TEST(LycorisLayers, FreshLayersChangeNothing) {
  const at::Tensor x = at::randn({3, 64}, cpu_generator(2));
  at::Generator gen = cpu_generator(3);
  LokrOptions full = lokr(4, 1.0);
  full.full_matrix = true;
  LokrOptions both = lokr(2, 1.0);
  both.decompose_both = true;
  std::vector<std::shared_ptr<ModuleAdapter>> layers = {
      std::make_shared<LokrLayer>(64, 128, lokr(4, 1.0), gen),
      std::make_shared<LokrLayer>(64, 128, full, gen),
      std::make_shared<LokrLayer>(64, 128, both, gen),
      std::make_shared<LohaLayer>(64, 128, 4, 1.0, at::kFloat, at::kCPU, gen),
      std::make_shared<LoconLayer>(64, 128, 4, 1.0, at::kFloat, at::kCPU, gen),
  };
  for (const auto& l : layers) {
    EXPECT_TRUE(at::equal(l->delta(x), at::zeros({3, 128}))) << adapter_algo_name(l->algo());
    EXPECT_TRUE(at::equal(l->delta_weight(), at::zeros({128, 64})));
    // ... but they are not all zero: training can move them.
    double total = 0;
    for (const at::Tensor& p : l->parameters()) total += p.abs().sum().item<double>();
    EXPECT_GT(total, 0.0);
  }
}

// kron(w1, w2)[i·b + j, k·d + l] = w1[i, k] · w2[j, l], built element by element.
at::Tensor explicit_kron(const at::Tensor& w1, const at::Tensor& w2) {
  const int64_t a = w1.size(0), c = w1.size(1), b = w2.size(0), d = w2.size(1);
  at::Tensor out = at::zeros({a * b, c * d}, at::kDouble);
  auto o = out.accessor<double, 2>();
  auto p = w1.accessor<double, 2>();
  auto q = w2.accessor<double, 2>();
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t k = 0; k < c; ++k)
        for (int64_t l = 0; l < d; ++l) o[i * b + j][k * d + l] = p[i][k] * q[j][l];
  return out;
}

TEST(LokrLayer, DeltaIsScaledKroneckerWeightTimesX) {
  AdapterWeights w;
  w.algo = AdapterAlgo::kLoKr;
  w.alpha = 3.0;
  w.tensors["lokr_w1"] = rand_double({2, 3}, 1);
  w.tensors["lokr_w2_a"] = rand_double({5, 2}, 2);
  w.tensors["lokr_w2_b"] = rand_double({2, 4}, 3);
  LokrLayer layer(w, "m", at::kDouble, at::kCPU);
  EXPECT_EQ(layer.in_features(), 12);
  EXPECT_EQ(layer.out_features(), 10);
  EXPECT_DOUBLE_EQ(layer.scale(), 1.5);  // alpha 3 / dim 2
  layer.set_multiplier(0.6);
  const at::Tensor weight = explicit_kron(
      w.tensors["lokr_w1"], at::matmul(w.tensors["lokr_w2_a"], w.tensors["lokr_w2_b"]));
  const at::Tensor x = rand_double({3, 12}, 4);
  c10::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(layer.delta(x), at::matmul(x, weight.t()) * 1.5 * 0.6), 1e-12);
  EXPECT_LT(max_abs_diff(layer.delta_weight(), weight * 0.9), 1e-12);

  // Two full factors: scale 1 whatever the file's alpha (LyCORIS sets alpha = dim).
  AdapterWeights full;
  full.algo = AdapterAlgo::kLoKr;
  full.alpha = 7.0;
  full.tensors["lokr_w1"] = rand_double({2, 3}, 5);
  full.tensors["lokr_w2"] = rand_double({5, 4}, 6);
  LokrLayer f(full, "m", at::kDouble, at::kCPU);
  EXPECT_LT(max_abs_diff(
                f.delta(x),
                at::matmul(x, explicit_kron(full.tensors["lokr_w1"], full.tensors["lokr_w2"]).t())),
            1e-12);
}

TEST(LohaLayer, DeltaIsScaledHadamardWeightTimesX) {
  AdapterWeights w;
  w.algo = AdapterAlgo::kLoHa;
  w.alpha = 1.0;
  w.tensors["hada_w1_a"] = rand_double({6, 2}, 1);
  w.tensors["hada_w1_b"] = rand_double({2, 5}, 2);
  w.tensors["hada_w2_a"] = rand_double({6, 2}, 3);
  w.tensors["hada_w2_b"] = rand_double({2, 5}, 4);
  LohaLayer layer(w, "m", at::kDouble, at::kCPU);
  EXPECT_DOUBLE_EQ(layer.scale(), 0.5);
  layer.set_multiplier(2.0);
  at::Tensor weight = at::zeros({6, 5}, at::kDouble);
  auto W = weight.accessor<double, 2>();
  auto p = w.tensors["hada_w1_a"].accessor<double, 2>();
  auto q = w.tensors["hada_w1_b"].accessor<double, 2>();
  auto r = w.tensors["hada_w2_a"].accessor<double, 2>();
  auto s = w.tensors["hada_w2_b"].accessor<double, 2>();
  for (int64_t o = 0; o < 6; ++o)
    for (int64_t i = 0; i < 5; ++i) {
      double u = 0, v = 0;
      for (int64_t k = 0; k < 2; ++k) {
        u += p[o][k] * q[k][i];
        v += r[o][k] * s[k][i];
      }
      W[o][i] = u * v;
    }
  const at::Tensor x = rand_double({4, 5}, 5);
  c10::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(layer.delta(x), at::matmul(x, weight.t()) * 0.5 * 2.0), 1e-12);
}

TEST(LohaLayer, InitFollowsLycoris) {
  at::Generator gen = cpu_generator(8);
  LohaLayer l(400, 300, 8, 0.0, at::kFloat, at::kCPU, gen);
  EXPECT_DOUBLE_EQ(l.alpha(), 8.0);  // alpha 0 means dim
  std::map<std::string, at::Tensor> p;
  for (auto& [name, t] : l.named_parameters()) p[name] = t;
  EXPECT_NEAR(p["hada_w1_b"].std().item<double>(), 1.0, 0.03);
  EXPECT_NEAR(p["hada_w2_b"].std().item<double>(), 1.0, 0.03);
  EXPECT_NEAR(p["hada_w1_a"].std().item<double>(), 0.1, 0.005);
  EXPECT_EQ(p["hada_w2_a"].abs().max().item<double>(), 0.0);
}

TEST(LoconLayer, IsLoraWithLycorisAlpha) {
  at::Generator gen = cpu_generator(4);
  LoconLayer zero_alpha(64, 32, 8, 0.0, at::kFloat, at::kCPU, gen);
  EXPECT_EQ(zero_alpha.algo(), AdapterAlgo::kLoCon);
  EXPECT_DOUBLE_EQ(zero_alpha.scale(), 1.0);
  LoconLayer l(64, 32, 8, 2.0, at::kFloat, at::kCPU, gen);
  EXPECT_DOUBLE_EQ(l.scale(), 0.25);
  EXPECT_LE(l.a().abs().max().item<double>(), 1.0 / 8.0);  // U(±1/√64)
}

// sum(g ⊙ delta(x)) differentiated by autograd against central differences, for every
// factor of a layer built from `weights`.
void check_gradients(
    const AdapterWeights& weights,
    const std::function<std::shared_ptr<ModuleAdapter>(const AdapterWeights&)>& make) {
  const auto layer = make(weights);
  layer->set_multiplier(0.7);
  const at::Tensor x = rand_double({3, layer->in_features()}, 31);
  const at::Tensor g = rand_double({3, layer->out_features()}, 32);
  (layer->delta(x) * g).sum().backward();
  const auto loss = [&](const AdapterWeights& w) {
    const auto l = make(w);
    l->set_multiplier(0.7);
    c10::NoGradGuard no_grad;
    return (l->delta(x) * g).sum().item<double>();
  };
  const double eps = 1e-6;
  for (auto& [name, param] : layer->named_parameters()) {
    ASSERT_TRUE(param.grad().defined()) << name;
    const at::Tensor base = weights.tensors.at(name);
    for (int64_t i = 0; i < base.numel(); ++i) {
      AdapterWeights plus = weights, minus = weights;
      plus.tensors[name] = base.clone();
      minus.tensors[name] = base.clone();
      plus.tensors[name].view(-1)[i] += eps;
      minus.tensors[name].view(-1)[i] -= eps;
      const double numeric = (loss(plus) - loss(minus)) / (2 * eps);
      EXPECT_NEAR(param.grad().view(-1)[i].item<double>(), numeric, 1e-7)
          << name << " element " << i;
    }
  }
}

TEST(LycorisLayers, GradientsMatchFiniteDifferences) {
  AdapterWeights lokr_w;
  lokr_w.algo = AdapterAlgo::kLoKr;
  lokr_w.alpha = 3.0;
  lokr_w.tensors["lokr_w1"] = rand_double({2, 3}, 11);
  lokr_w.tensors["lokr_w2_a"] = rand_double({3, 2}, 12);
  lokr_w.tensors["lokr_w2_b"] = rand_double({2, 2}, 13);
  check_gradients(lokr_w, [](const AdapterWeights& w) {
    return std::make_shared<LokrLayer>(w, "m", at::kDouble, at::kCPU);
  });
  AdapterWeights lokr_both = lokr_w;
  lokr_both.tensors.erase("lokr_w1");
  lokr_both.tensors["lokr_w1_a"] = rand_double({2, 2}, 14);
  lokr_both.tensors["lokr_w1_b"] = rand_double({2, 3}, 15);
  check_gradients(lokr_both, [](const AdapterWeights& w) {
    return std::make_shared<LokrLayer>(w, "m", at::kDouble, at::kCPU);
  });
  AdapterWeights loha_w;
  loha_w.algo = AdapterAlgo::kLoHa;
  loha_w.alpha = 1.0;
  loha_w.tensors["hada_w1_a"] = rand_double({4, 2}, 16);
  loha_w.tensors["hada_w1_b"] = rand_double({2, 3}, 17);
  loha_w.tensors["hada_w2_a"] = rand_double({4, 2}, 18);
  loha_w.tensors["hada_w2_b"] = rand_double({2, 3}, 19);
  check_gradients(loha_w, [](const AdapterWeights& w) {
    return std::make_shared<LohaLayer>(w, "m", at::kDouble, at::kCPU);
  });
}

TEST(LokrLayer, BadFactorsAreErrors) {
  AdapterWeights w;
  w.algo = AdapterAlgo::kLoKr;
  w.tensors["lokr_w1"] = at::zeros({2, 3});
  EXPECT_TRUE(
      contains_text(error_of([&] { LokrLayer(w, "blocks.0.attn1.to_q", at::kFloat, at::kCPU); }),
                    "need either lokr_w2"));
  w.tensors["lokr_w2_a"] = at::zeros({4, 2});
  w.tensors["lokr_w2_b"] = at::zeros({3, 5});
  const std::string e =
      error_of([&] { LokrLayer(w, "blocks.0.attn1.to_q", at::kFloat, at::kCPU); });
  EXPECT_TRUE(contains_text(e, "mismatched ranks")) << e;
  EXPECT_TRUE(contains_text(e, "blocks.0.attn1.to_q")) << e;
  w.tensors["lokr_w2_b"] = at::zeros({2, 5});
  w.tensors["lokr_t2"] = at::zeros({2, 2});
  EXPECT_TRUE(contains_text(error_of([&] { LokrLayer(w, "m", at::kFloat, at::kCPU); }), "Tucker"));
}

}  // namespace
}  // namespace reel
