// Adapter networks on the tiny Wan 2.1 T2V transformer: targets and counts, parameter names,
// zero initial effect, training-time behaviour (gradients, dropout replayed under gradient
// checkpointing), resume, removal and merging, and LyCORIS files.
#include "adapters/adapter_network.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <nlohmann/json.hpp>

#include <set>

#include "adapters/adapter_test_support.h"
#include "adapters/lora_file.h"
#include "core/safetensors.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::max_abs_diff;

at::Tensor sample(const WanTransformer& model, const WanRunOptions& run = {}) {
  c10::NoGradGuard no_grad;
  return model.forward(test::lora_case1(), run).sample;
}

// Sets every trainable tensor to seeded random values, so that the adapters do something.
void randomize(const AdapterNetwork& net, uint64_t seed, double scale = 0.05) {
  at::Generator gen = test::cpu_generator(seed);
  c10::NoGradGuard no_grad;
  for (auto& [name, p] : net.named_parameters()) {
    at::Tensor t = p;
    t.copy_(at::randn(p.sizes(), gen) * scale);
  }
}

LoraNetworkOptions lora_options(uint64_t seed = 1) {
  LoraNetworkOptions o;
  o.rank = 4;
  o.seed = seed;
  o.dropout = 0.0;
  return o;
}

std::set<std::string> adapted(WanTransformer& model) {
  std::set<std::string> out;
  for (auto& [name, linear] : model.linears()) {
    if (linear->adapter) out.insert(name);
  }
  return out;
}

TEST(AdapterNetwork, DefaultLoraWrapsTheAttentionProjectionsOfEveryBlock) {
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::create_lora(model, lora_options());
  EXPECT_EQ(net.size(), 16u);  // 2 blocks x (attn1, attn2) x (q, k, v, out.0)
  std::set<std::string> expected;
  for (const char* b : {"blocks.0.", "blocks.1."})
    for (const char* a : {"attn1.", "attn2."})
      for (const char* l : {"to_q", "to_k", "to_v", "to_out.0"})
        expected.insert(std::string(b) + a + l);
  EXPECT_EQ(adapted(model), expected);
  const auto params = net.named_parameters();
  ASSERT_EQ(params.size(), 32u);
  EXPECT_EQ(params[0].first, "diffusion_model.blocks.0.self_attn.q.lora_A.weight");
  EXPECT_EQ(params[1].first, "diffusion_model.blocks.0.self_attn.q.lora_B.weight");
  EXPECT_EQ(params[0].second.sizes(), at::IntArrayRef({4, 64}));
  std::set<std::string> names;
  for (auto& [name, p] : params) {
    EXPECT_TRUE(p.requires_grad() && p.is_leaf()) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), params.size());
  EXPECT_EQ(net.adapter("blocks.1.attn2.to_out.0").scale(), 1.0);  // alpha = rank
}

TEST(AdapterNetwork, PeftTargetModulesOverrideTheDefault) {
  WanTransformer model = test::tiny_t2v();
  LoraNetworkOptions o = lora_options();
  o.target_modules = {"ffn.net.0.proj", "proj_out"};
  AdapterNetwork net = AdapterNetwork::create_lora(model, o);
  EXPECT_EQ(adapted(model), (std::set<std::string>{"blocks.0.ffn.net.0.proj",
                                                   "blocks.1.ffn.net.0.proj", "proj_out"}));
  net.remove();
  o.target_modules = {"q"};  // names match on whole parts only
  const std::string e = error_of([&] { AdapterNetwork::create_lora(model, o); });
  EXPECT_TRUE(contains_text(e, "peft_lora_target_modules")) << e;
}

TEST(AdapterNetwork, FreshNetworksLeaveTheOutputUnchanged) {
  WanTransformer model = test::tiny_t2v();
  const at::Tensor base = sample(model);
  AdapterNetwork lora = AdapterNetwork::create_lora(model, lora_options());
  EXPECT_TRUE(at::equal(sample(model), base));
  lora.remove();
  EXPECT_TRUE(adapted(model).empty());
  for (const char* algo : {"lokr", "loha", "locon"}) {
    const LycorisConfig c = parse_lycoris_config(std::string(R"({"algo": ")") + algo +
                                                 R"(", "multiplier": 1, "linear_dim": 4,
                                                     "linear_alpha": 2})");
    AdapterNetwork net = AdapterNetwork::create_lycoris(model, c, 3);
    EXPECT_EQ(net.size(), 26u) << algo;  // every Linear of wan21_t2v_tiny
    EXPECT_TRUE(at::equal(sample(model), base)) << algo;
    net.remove();
  }
}

TEST(AdapterNetwork, InitIsSeeded) {
  WanTransformer a = test::tiny_t2v(), b = test::tiny_t2v();
  AdapterNetwork n1 = AdapterNetwork::create_lora(a, lora_options(5));
  AdapterNetwork n2 = AdapterNetwork::create_lora(b, lora_options(5));
  const auto p1 = n1.named_parameters(), p2 = n2.named_parameters();
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(at::equal(p1[i].second, p2[i].second));
  n2.remove();
  AdapterNetwork n3 = AdapterNetwork::create_lora(b, lora_options(6));
  EXPECT_FALSE(at::equal(p1[0].second, n3.named_parameters()[0].second));
  // Different modules get different draws.
  EXPECT_FALSE(at::equal(p1[0].second, p1[2].second));
}

TEST(AdapterNetwork, TrainsThroughTheModel) {
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::create_lora(model, lora_options());
  net.set_training(true);
  const at::Tensor base = sample(model);
  const at::Tensor loss = model.forward(test::lora_case1()).sample.square().mean();
  loss.backward();
  for (auto& [name, p] : net.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    // B starts at zero, so only B gets a gradient at first.
    const bool is_b = name.find("lora_B") != std::string::npos;
    EXPECT_EQ(p.grad().abs().max().item<double>() > 0.0, is_b) << name;
  }
  {
    c10::NoGradGuard no_grad;
    for (auto& [name, p] : net.named_parameters()) {
      at::Tensor t = p;
      t.sub_(p.grad() * 10.0);
    }
  }
  EXPECT_GT(max_abs_diff(sample(model), base), 1e-3);
}

// With dropout on, the gradients under gradient checkpointing equal those without: the
// recomputed blocks see the forward's masks.
TEST(AdapterNetwork, DropoutMasksAreReplayedUnderGradientCheckpointing) {
  WanTransformer model = test::tiny_t2v();
  LoraNetworkOptions o = lora_options();
  o.dropout = 0.5;
  o.target_modules = {"to_q", "to_k", "to_v", "to_out.0", "ffn.net.0.proj", "ffn.net.2"};
  AdapterNetwork net = AdapterNetwork::create_lora(model, o);
  randomize(net, 9);
  net.set_training(true);
  const auto gradients = [&](bool checkpointing, bool replay) {
    for (auto& [name, p] : net.named_parameters()) p.mutable_grad() = at::Tensor();
    WanRunOptions run;
    run.gradient_checkpointing = checkpointing;
    run.feed_forward_chunk_size = 24;  // several calls per ffn Linear per forward
    net.new_dropout_pass(41);
    const at::Tensor loss = model.forward(test::lora_case1(), run).sample.square().mean();
    if (replay) net.replay_dropout();
    loss.backward();
    std::vector<at::Tensor> grads;
    for (auto& [name, p] : net.named_parameters()) grads.push_back(p.grad().clone());
    return std::make_pair(loss.item<double>(), grads);
  };
  const auto [loss, reference] = gradients(false, true);
  const auto [ck_loss, ck] = gradients(true, true);
  EXPECT_DOUBLE_EQ(ck_loss, loss);
  double worst = 0;
  for (size_t i = 0; i < ck.size(); ++i) worst = std::max(worst, max_abs_diff(ck[i], reference[i]));
  EXPECT_LT(worst, 1e-6);
  // Without the replay the recompute draws new masks and the gradients are wrong.
  const auto [bad_loss, bad] = gradients(true, false);
  double off = 0;
  for (size_t i = 0; i < bad.size(); ++i) off = std::max(off, max_abs_diff(bad[i], reference[i]));
  EXPECT_GT(off, 1e-4);
  // Dropout is on in training and off in eval.
  net.set_training(false);
  const at::Tensor eval = sample(model);
  net.set_training(true);
  net.new_dropout_pass(41);
  EXPECT_GT(max_abs_diff(sample(model), eval), 1e-4);
}

TEST(AdapterNetwork, LoadParametersRestoresValuesInPlace) {
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::create_lora(model, lora_options());
  randomize(net, 2);
  std::vector<std::pair<std::string, at::Tensor>> saved;
  for (auto& [name, p] : net.named_parameters()) saved.emplace_back(name, p.detach().clone());
  const at::Tensor before = sample(model);
  const at::Tensor first = net.named_parameters()[0].second;
  randomize(net, 3);
  EXPECT_GT(max_abs_diff(sample(model), before), 1e-4);
  net.load_parameters(saved);
  EXPECT_TRUE(at::equal(sample(model), before));
  EXPECT_TRUE(net.named_parameters()[0].second.is_same(first));  // same tensor objects
  auto wrong = saved;
  wrong.pop_back();
  wrong[0].second = at::zeros({3, 3});
  wrong.emplace_back("diffusion_model.blocks.9.self_attn.q.lora_A.weight", at::zeros({4, 64}));
  const std::string e = error_of([&] { net.load_parameters(wrong); });
  EXPECT_TRUE(contains_text(e, "missing: diffusion_model.blocks.1.cross_attn.o.lora_B.weight"))
      << e;
  EXPECT_TRUE(contains_text(e, "unknown: diffusion_model.blocks.9")) << e;
  EXPECT_TRUE(contains_text(e, "wrong shape: diffusion_model.blocks.0.self_attn.q.lora_A.weight"))
      << e;
  EXPECT_TRUE(at::equal(sample(model), before));  // nothing changed
}

// Resuming from a saved file in either LoRA layout.
TEST(AdapterNetwork, LoadWeightsResumesFromAFile) {
  test::TempDir tmp;
  WanTransformer model = test::tiny_t2v();
  LoraNetworkOptions o = lora_options();
  o.alpha = 2.0;
  AdapterNetwork net = AdapterNetwork::create_lora(model, o);
  randomize(net, 12);
  const at::Tensor trained = sample(model);
  for (AdapterLayout layout : {AdapterLayout::kComfyUI, AdapterLayout::kDiffusers}) {
    AdapterSaveOptions save;
    save.layout = layout;
    const auto path = tmp / (adapter_layout_name(layout) + ".safetensors");
    save_adapter_network(path, net, save);
    randomize(net, 13);
    EXPECT_GT(max_abs_diff(sample(model), trained), 1e-4);
    net.load_weights(load_adapter_file(path).modules);
    EXPECT_TRUE(at::equal(sample(model), trained)) << adapter_layout_name(layout);
  }
  AdapterWeightSet other = net.weights();
  other["blocks.0.attn1.to_q"].alpha = 4.0;
  const std::string e = error_of([&] { net.load_weights(other); });
  EXPECT_TRUE(contains_text(e, "blocks.0.attn1.to_q is lora alpha 4")) << e;
}

TEST(AdapterNetwork, MultiplierScalesTheEffect) {
  WanTransformer model = test::tiny_t2v();
  const at::Tensor base = sample(model);
  AdapterNetwork net = AdapterNetwork::create_lora(model, lora_options());
  randomize(net, 4, 0.01);
  const at::Tensor full = sample(model) - base;
  net.set_multiplier(0.0);
  EXPECT_TRUE(at::equal(sample(model), base));
  net.set_multiplier(-1.0);
  // For a small adapter the output change is close to linear in the multiplier.
  const at::Tensor negative = sample(model) - base;
  EXPECT_LT(max_abs_diff(negative, -full), 0.05 * full.abs().max().item<double>());
}

TEST(AdapterNetwork, AModuleTakesOneAdapter) {
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::create_lora(model, lora_options());
  const std::string e = error_of([&] { AdapterNetwork::create_lora(model, lora_options()); });
  EXPECT_TRUE(contains_text(e, "already has an adapter")) << e;
  net.remove();
  EXPECT_NO_THROW(AdapterNetwork::create_lora(model, lora_options()));
}

const char* kMixedLycoris = R"({"algo": "lokr", "multiplier": 0.75, "linear_dim": 2,
  "linear_alpha": 1, "factor": 4, "apply_preset": {"target_module": ["Attention", "FeedForward"],
  "module_algo_map": {"FeedForward": {"algo": "loha"}}, "name_algo_map": {"proj_out": {"algo": "locon"}}}})";

TEST(AdapterNetwork, LycorisNetworksSaveLoadAndMerge) {
  test::TempDir tmp;
  WanTransformer model = test::tiny_t2v();
  const LycorisConfig config = parse_lycoris_config(kMixedLycoris);
  AdapterNetwork net = AdapterNetwork::create_lycoris(model, config, 8);
  EXPECT_EQ(net.size(), 21u);  // 16 attention + 4 feed-forward + proj_out
  EXPECT_DOUBLE_EQ(net.multiplier(), 0.75);
  EXPECT_EQ(net.adapter("blocks.0.attn1.to_q").algo(), AdapterAlgo::kLoKr);
  EXPECT_EQ(net.adapter("blocks.0.ffn.net.2").algo(), AdapterAlgo::kLoHa);
  EXPECT_EQ(net.adapter("proj_out").algo(), AdapterAlgo::kLoCon);
  const auto params = net.named_parameters();
  EXPECT_EQ(params[0].first, "lycoris_blocks_0_attn1_to_q.lokr_w1");
  randomize(net, 5, 0.2);
  const at::Tensor adapted_out = sample(model);
  EXPECT_GT(max_abs_diff(adapted_out, sample(test::tiny_t2v())), 1e-3);

  AdapterSaveOptions o;  // comfyui asked for; a LyCORIS network writes its own layout
  save_adapter_network(tmp / "lyco.safetensors", net, o);
  const SafetensorsFile f = SafetensorsFile::open(tmp / "lyco.safetensors");
  EXPECT_TRUE(f.contains("lycoris_blocks_0_attn1_to_q.lokr_w1"));
  EXPECT_TRUE(f.contains("lycoris_blocks_0_attn1_to_q.alpha"));
  EXPECT_TRUE(f.contains("lycoris_blocks_1_ffn_net_2.hada_w2_b"));
  EXPECT_TRUE(f.contains("lycoris_proj_out.lora_down.weight"));
  EXPECT_TRUE(f.contains("lycoris_proj_out.lora_up.weight"));
  EXPECT_EQ(nlohmann::json::parse(f.metadata().at("lycoris_config")),
            nlohmann::json::parse(kMixedLycoris));
  EXPECT_EQ(f.metadata().at("reel.algorithm"), "locon,loha,lokr");

  WanTransformer fresh = test::tiny_t2v();
  const AdapterFile file = load_adapter_file(tmp / "lyco.safetensors");
  EXPECT_EQ(file.format, "lycoris");
  AdapterNetwork loaded = AdapterNetwork::from_weights(fresh, file.modules);
  EXPECT_EQ(loaded.size(), 21u);
  EXPECT_EQ(loaded.adapter("proj_out").algo(), AdapterAlgo::kLoCon);
  loaded.set_multiplier(0.75);
  EXPECT_LT(max_abs_diff(sample(fresh), adapted_out), 1e-6);
  EXPECT_EQ(loaded.named_parameters()[0].first, params[0].first);

  loaded.merge_into_base();
  EXPECT_TRUE(adapted(fresh).empty());
  EXPECT_LT(max_abs_diff(sample(fresh), adapted_out), 1e-5);
}

TEST(AdapterNetwork, LoraLayoutsRejectLokr) {
  test::TempDir tmp;
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net =
      AdapterNetwork::create_lycoris(model, parse_lycoris_config(kMixedLycoris), 1);
  AdapterSaveOptions o;
  const std::string e =
      error_of([&] { save_adapter_file(tmp / "x.safetensors", net.weights(), o); });
  EXPECT_TRUE(contains_text(e, "cannot be saved in the comfyui layout")) << e;
}

}  // namespace
}  // namespace reel
