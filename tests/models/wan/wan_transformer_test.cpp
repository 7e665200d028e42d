// The Wan transformer's structure and run options on small random models: linears(),
// init_random, gradient checkpointing (inputs and trainable parameters, LoRA-style adapters
// included), bad inputs.
#include "models/wan/wan_transformer.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

// A small Wan 2.1 I2V-shaped model (image branch included) with three blocks.
WanConfig small_config(bool image_branch) {
  WanConfig c;
  c.in_channels = image_branch ? 36 : 16;
  c.num_attention_heads = 2;
  c.attention_head_dim = 16;
  c.ffn_dim = 48;
  c.text_dim = 24;
  c.num_layers = 3;
  if (image_branch) {
    c.image_dim = 40;
    c.added_kv_proj_dim = c.dim();
  }
  return c;
}

WanInputs small_inputs(const WanConfig& c, uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  WanInputs in;
  in.hidden_states = at::randn({2, c.in_channels, 2, 4, 6}, gen);
  in.timestep = at::tensor({700.0f, 25.5f});
  in.encoder_hidden_states = at::randn({2, 9, c.text_dim}, gen);  // padded to 512 inside
  if (c.image_dim) in.encoder_hidden_states_image = at::randn({2, 257, *c.image_dim}, gen);
  return in;
}

// LoRA's maths: delta = (x·Aᵀ)·Bᵀ, with A and B trainable.
struct TestLora : nn::LinearAdapter {
  at::Tensor a, b;
  TestLora(int64_t in, int64_t out, uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    a = (at::randn({4, in}, gen) * 0.3).requires_grad_(true);
    b = (at::randn({out, 4}, gen) * 0.3).requires_grad_(true);
  }
  at::Tensor delta(const at::Tensor& x) const override {
    return at::linear(at::linear(x, a.to(x.scalar_type())), b.to(x.scalar_type()));
  }
  std::vector<at::Tensor> parameters() const override { return {a, b}; }
};

TEST(WanTransformer, LinearsNameEveryAdaptableLayer) {
  WanTransformer model(small_config(true));
  std::set<std::string> names;
  for (const auto& [name, linear] : model.linears()) {
    ASSERT_NE(linear, nullptr);
    names.insert(name);
  }
  for (const char* want :
       {"blocks.0.attn1.to_q", "blocks.0.attn1.to_k", "blocks.0.attn1.to_v",
        "blocks.0.attn1.to_out.0", "blocks.2.attn2.to_q", "blocks.2.attn2.add_k_proj",
        "blocks.2.attn2.add_v_proj", "blocks.1.ffn.net.0.proj", "blocks.1.ffn.net.2",
        "condition_embedder.time_embedder.linear_1", "condition_embedder.time_proj",
        "condition_embedder.text_embedder.linear_2",
        "condition_embedder.image_embedder.ff.net.0.proj", "proj_out"}) {
    EXPECT_EQ(names.count(want), 1u) << want;
  }
  // Per block 4 (attn1) + 6 (attn2 with add_k/add_v) + 2 (ffn); time 3, text 2, image 2, proj_out.
  EXPECT_EQ(names.size(), 3 * 12 + 8u);
  // Every linear's weight is a parameter slot of the same name.
  WanTransformer t2v(small_config(false));
  std::set<std::string> slots;
  for (const ParameterSlot& s : t2v.parameters()) slots.insert(s.name);
  for (const auto& [name, linear] : t2v.linears()) {
    EXPECT_EQ(slots.count(name + ".weight"), 1u) << name;
    EXPECT_EQ(name.find("add_k_proj"), std::string::npos) << "T2V has no image branch";
  }
}

TEST(WanTransformer, InitRandomIsSeededAndFillsEverySlot) {
  WanTransformer a(small_config(false)), b(small_config(false)), c(small_config(false));
  a.init_random(7);
  b.init_random(7);
  c.init_random(8);
  auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  bool any_different = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    ASSERT_TRUE(pa[i].tensor->defined()) << pa[i].name;
    EXPECT_EQ(pa[i].tensor->sizes().vec(), pa[i].shape) << pa[i].name;
    EXPECT_TRUE(at::equal(*pa[i].tensor, *pb[i].tensor)) << pa[i].name;
    any_different = any_different || !at::equal(*pa[i].tensor, *pc[i].tensor);
  }
  EXPECT_TRUE(any_different);
  c10::NoGradGuard no_grad;
  const WanOutputs out = a.forward(small_inputs(small_config(false), 1));
  EXPECT_EQ(out.sample.sizes(), at::IntArrayRef({2, 16, 2, 4, 6}));
  EXPECT_TRUE(at::isfinite(out.sample).all().item<bool>());
  EXPECT_LT(out.sample.abs().max().item<double>(), 100.0);
}

// Gradients with checkpointing (interval 1 and 2) equal those without, for the input, for
// trainable base weights and for adapter factors that the blocks close over.
TEST(WanTransformer, GradientCheckpointingGivesTheSameGradients) {
  const WanConfig config = small_config(true);
  WanTransformer model(config);
  model.init_random(5);
  std::vector<std::shared_ptr<TestLora>> loras;
  uint64_t seed = 100;
  for (auto& [name, linear] : model.linears()) {
    if (name.rfind("blocks.", 0) != 0) continue;
    auto lora = std::make_shared<TestLora>(linear->weight.size(1), linear->weight.size(0), ++seed);
    linear->adapter = lora;
    loras.push_back(lora);
  }
  std::vector<at::Tensor> trainable;
  std::vector<std::string> names;
  for (const ParameterSlot& s : model.parameters()) {
    if (s.name == "blocks.1.norm2.weight" || s.name == "blocks.0.scale_shift_table" ||
        s.name == "blocks.2.attn1.norm_q.weight" ||
        s.name == "condition_embedder.text_embedder.linear_2.weight") {
      s.tensor->requires_grad_(true);
      trainable.push_back(*s.tensor);
      names.push_back(s.name);
    }
  }
  ASSERT_EQ(trainable.size(), 4u);
  for (const auto& l : loras) {
    trainable.push_back(l->a);
    trainable.push_back(l->b);
    names.insert(names.end(), {"lora.a", "lora.b"});
  }
  names.push_back("hidden_states");
  const WanInputs base = small_inputs(config, 3);
  const at::Tensor weights = at::randn({2, 16, 2, 4, 6}, at::detail::createCPUGenerator(4));

  const auto gradients = [&](bool checkpointing, int64_t interval) {
    WanInputs in = base;
    in.hidden_states = base.hidden_states.clone().requires_grad_(true);
    WanRunOptions run;
    run.gradient_checkpointing = checkpointing;
    run.checkpoint_interval = interval;
    const at::Tensor loss = (model.forward(in, run).sample * weights).sum();
    std::vector<at::Tensor> wrt = trainable;
    wrt.push_back(in.hidden_states);
    for (at::Tensor& t : wrt) t.mutable_grad() = at::Tensor();
    loss.backward();
    std::vector<at::Tensor> grads;
    for (const at::Tensor& t : wrt)
      grads.push_back(t.grad().defined() ? t.grad().clone() : t.grad());
    return std::make_pair(loss.item<double>(), grads);
  };
  const auto [loss, reference] = gradients(false, 1);
  for (const at::Tensor& g : reference) {
    ASSERT_TRUE(g.defined());
    EXPECT_GT(g.abs().max().item<double>(), 0.0);
  }
  for (int64_t interval : {1, 2}) {
    const auto [ck_loss, ck] = gradients(true, interval);
    EXPECT_DOUBLE_EQ(ck_loss, loss);
    ASSERT_EQ(ck.size(), reference.size());
    for (size_t i = 0; i < ck.size(); ++i) {
      ASSERT_TRUE(ck[i].defined()) << "interval " << interval << " tensor " << i;
      // Within 1e-6 of the gradient's scale. The text embedder's weight gets one gradient per
      // block through `text`; checkpointing sums them in another order, and over 2x512 tokens
      // that float32 reordering reaches 2.5e-6 of the scale (measured): 1e-5 there. A missing
      // or wrong gradient path is O(1) off.
      const double scale = std::max(1.0, reference[i].abs().max().item<double>());
      const double bound = names[i].rfind("condition_embedder.", 0) == 0 ? 1e-5 : 1e-6;
      EXPECT_LT((ck[i] - reference[i]).abs().max().item<double>(), bound * scale)
          << "interval " << interval << " " << names[i];
    }
  }
}

TEST(WanTransformer, RejectsBadInputsWithUserErrors) {
  const WanConfig config = small_config(true);
  WanTransformer model(config);
  EXPECT_TRUE(
      contains_text(error_of([&] { model.forward(small_inputs(config, 1)); }), "no weights"));
  model.init_random(1);
  c10::NoGradGuard no_grad;
  WanInputs in = small_inputs(config, 1);
  in.encoder_hidden_states_image = at::Tensor();
  EXPECT_TRUE(contains_text(error_of([&] { model.forward(in); }), "encoder_hidden_states_image"));
  in = small_inputs(config, 1);
  in.hidden_states = at::randn({2, 36, 2, 5, 6});
  EXPECT_TRUE(contains_text(error_of([&] { model.forward(in); }), "multiples of"));
  in = small_inputs(config, 1);
  in.timestep = at::zeros({2, 5});
  EXPECT_TRUE(contains_text(error_of([&] { model.forward(in); }), "per token"));
  WanConfig bad = config;
  bad.qk_norm = "rms_norm";
  EXPECT_TRUE(contains_text(error_of([&] { WanTransformer m(bad); }), "qk_norm"));
}

TEST(WanTransformer, ToCastsEveryParameter) {
  WanTransformer model(small_config(false));
  model.init_random(2);
  model.to(at::kCPU, at::kBFloat16);
  for (const ParameterSlot& s : model.parameters()) {
    EXPECT_EQ(s.tensor->scalar_type(), at::kBFloat16) << s.name;
  }
  c10::NoGradGuard no_grad;
  WanRunOptions run;
  run.compute_dtype = at::kBFloat16;
  const WanOutputs out = model.forward(small_inputs(small_config(false), 1), run);
  EXPECT_EQ(out.sample.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::isfinite(out.sample).all().item<bool>());
}

// Skip-layer guidance's degraded pass: listed blocks pass their input through. The text
// reaches the output only through the blocks' cross-attention, so with every block skipped
// the output no longer depends on it.
TEST(WanTransformer, SkippedBlocksPassTheirInputThrough) {
  const WanConfig config = small_config(false);
  WanTransformer model(config);
  model.init_random(3);
  c10::NoGradGuard no_grad;
  WanInputs in = small_inputs(config, 4);
  const at::Tensor full = model.forward(in).sample;
  WanRunOptions skip_one;
  skip_one.skip_blocks = {1};
  const at::Tensor one = model.forward(in, skip_one).sample;
  EXPECT_FALSE(at::allclose(full, one));

  WanRunOptions skip_all;
  skip_all.skip_blocks = {2, 0, 1};
  const at::Tensor none = model.forward(in, skip_all).sample;
  in.encoder_hidden_states = at::randn_like(in.encoder_hidden_states);
  EXPECT_TRUE(at::equal(none, model.forward(in, skip_all).sample));
  EXPECT_FALSE(at::allclose(full, model.forward(in).sample));

  WanRunOptions bad;
  bad.skip_blocks = {3};
  EXPECT_TRUE(contains_text(error_of([&] { model.forward(in, bad); }), "skip-layer block 3"));
}

}  // namespace
}  // namespace reel
