// LoRA files against the fixture (shared/fixtures/lora): the ComfyUI and diffusers files on
// wan21_t2v_tiny reproduce the official model with merged weights, through the adapters and
// through merge_into_base; saving and loading in both layouts; the other spellings Reel reads
// (musubi, model.diffusion_model., lora_down/lora_up); bad files.
#include "adapters/lora_file.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>

#include "adapters/adapter_network.h"
#include "adapters/adapter_test_support.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::lora_fixture;
using test::max_abs_diff;
using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

nlohmann::json fixture_json() {
  std::ifstream in(lora_fixture("fixture.json"));
  return nlohmann::json::parse(in);
}

at::Tensor lora_sample(WanTransformer& model) {
  c10::NoGradGuard no_grad;
  return model.forward(test::lora_case1()).sample;
}

AdapterLoadOptions alpha(double a) {
  AdapterLoadOptions o;
  o.alpha = a;
  return o;
}

Tensors tensors_of(const std::filesystem::path& file) {
  const SafetensorsFile f = SafetensorsFile::open(file);
  Tensors out;
  for (const TensorInfo& t : f.tensors()) out.emplace_back(t.name, f.tensor(t.name));
  return out;
}

std::set<std::string> keys_of(const std::filesystem::path& file) {
  const SafetensorsFile f = SafetensorsFile::open(file);
  std::set<std::string> out;
  for (const TensorInfo& t : f.tensors()) out.insert(t.name);
  return out;
}

void expect_same_weights(const AdapterWeightSet& a, const AdapterWeightSet& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, w] : a) {
    ASSERT_EQ(b.count(name), 1u) << name;
    const AdapterWeights& v = b.at(name);
    EXPECT_EQ(w.algo, v.algo) << name;
    EXPECT_DOUBLE_EQ(w.alpha, v.alpha) << name;
    ASSERT_EQ(w.tensors.size(), v.tensors.size()) << name;
    for (const auto& [t, x] : w.tensors) {
      ASSERT_EQ(v.tensors.count(t), 1u) << name << " " << t;
      EXPECT_TRUE(at::equal(x, v.tensors.at(t))) << name << " " << t;
    }
  }
}

class LoraFixture : public ::testing::TestWithParam<double> {};

TEST_P(LoraFixture, ComfyFileMatchesTheOfficialMergedModel) {
  const double s = GetParam();
  WanTransformer model = test::tiny_t2v();
  const AdapterFile file = load_adapter_file(lora_fixture("lora_comfy.safetensors"));
  EXPECT_EQ(file.format, "comfyui");
  AdapterNetwork net = AdapterNetwork::from_weights(model, file.modules);
  EXPECT_EQ(net.size(), 20u);
  net.set_multiplier(s);
  const at::Tensor expected = test::lora_expected(s == 1.0 ? "sample_lora_1.0" : "sample_lora_0.5");
  const double diff = max_abs_diff(lora_sample(model), expected);
  std::printf("  comfy LoRA, multiplier %.1f: max |diff| %.3g\n", s, diff);
  EXPECT_LT(diff, 1e-4) << "multiplier " << s;  // fixture.json tolerance
  // The LoRA matters: without it the output is far from the expected one.
  net.remove();
  EXPECT_GT(max_abs_diff(lora_sample(model), expected), 0.1);
}

TEST_P(LoraFixture, DiffusersFileWithAlpha2MatchesToo) {
  const double s = GetParam();
  WanTransformer model = test::tiny_t2v();
  const AdapterFile file =
      load_adapter_file(lora_fixture("lora_diffusers.safetensors"), alpha(2.0));
  EXPECT_EQ(file.format, "diffusers");
  AdapterNetwork net = AdapterNetwork::from_weights(model, file.modules);
  net.set_multiplier(s);
  const at::Tensor expected = test::lora_expected(s == 1.0 ? "sample_lora_1.0" : "sample_lora_0.5");
  const double diff = max_abs_diff(lora_sample(model), expected);
  std::printf("  diffusers LoRA, multiplier %.1f: max |diff| %.3g\n", s, diff);
  EXPECT_LT(diff, 1e-4);
}

TEST_P(LoraFixture, MergedWeightsGiveTheSameOutput) {
  const double s = GetParam();
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::from_weights(
      model, load_adapter_file(lora_fixture("lora_comfy.safetensors")).modules);
  net.set_multiplier(s);
  net.merge_into_base();
  EXPECT_FALSE(net.attached());
  for (auto& [name, linear] : model.linears()) EXPECT_FALSE(linear->adapter) << name;
  const at::Tensor expected = test::lora_expected(s == 1.0 ? "sample_lora_1.0" : "sample_lora_0.5");
  const double diff = max_abs_diff(lora_sample(model), expected);
  std::printf("  merged LoRA, multiplier %.1f: max |diff| %.3g\n", s, diff);
  EXPECT_LT(diff, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Multipliers, LoraFixture, ::testing::Values(1.0, 0.5));

TEST(LoraFile, DiffusersFileWithoutAlphaAssumesAlphaEqualsRank) {
  WanTransformer model = test::tiny_t2v();
  const AdapterFile file = load_adapter_file(lora_fixture("lora_diffusers.safetensors"));
  for (const auto& [name, w] : file.modules) EXPECT_DOUBLE_EQ(w.alpha, 4.0) << name;
  // Scale 4/4 = 1 at multiplier 0.5 is the fixture's 0.5 · (2/4) at multiplier 1.
  AdapterNetwork net = AdapterNetwork::from_weights(model, file.modules);
  net.set_multiplier(0.5);
  EXPECT_LT(max_abs_diff(lora_sample(model), test::lora_expected("sample_lora_1.0")), 1e-4);
}

TEST(LoraFile, ComfyNamesMapToTheFixtureModules) {
  const nlohmann::json j = fixture_json();
  std::set<std::string> diffusers;
  for (const auto& m : j.at("modules")) diffusers.insert(m.at("diffusers").get<std::string>());
  const AdapterFile comfy = load_adapter_file(lora_fixture("lora_comfy.safetensors"));
  std::set<std::string> loaded;
  for (const auto& [name, w] : comfy.modules) {
    loaded.insert(name);
    EXPECT_EQ(w.algo, AdapterAlgo::kLora);
    EXPECT_DOUBLE_EQ(w.alpha, 2.0) << name;
    EXPECT_EQ(w.tensors.at("lora_A").size(0), 4) << name;
  }
  EXPECT_EQ(loaded, diffusers);
  // The diffusers file holds the same numbers under the diffusers names.
  const AdapterFile d = load_adapter_file(lora_fixture("lora_diffusers.safetensors"), alpha(2.0));
  expect_same_weights(comfy.modules, d.modules);
}

TEST(LoraFile, ComfyLayoutRoundTripsWithTheFixtureKeys) {
  test::TempDir tmp;
  const AdapterFile fixture = load_adapter_file(lora_fixture("lora_comfy.safetensors"));
  AdapterSaveOptions o;  // comfyui is the default
  o.flavour = "t2v-480p-1.3b-2.1";
  o.base_model = "wan21_t2v_tiny";
  o.step = 12;
  o.metadata["modelspec.title"] = "tiny";
  save_adapter_file(tmp / "out.safetensors", fixture.modules, o);
  EXPECT_EQ(keys_of(tmp / "out.safetensors"), keys_of(lora_fixture("lora_comfy.safetensors")));
  const SafetensorsFile written = SafetensorsFile::open(tmp / "out.safetensors");
  const auto& meta = written.metadata();
  EXPECT_EQ(meta.at("modelspec.title"), "tiny");
  EXPECT_EQ(meta.at("modelspec.architecture"), "wan-t2v-480p-1.3b-2.1/lora");
  EXPECT_EQ(meta.at("modelspec.sai_model_spec"), "1.0.1");
  EXPECT_EQ(meta.at("global_step"), "12");
  EXPECT_EQ(meta.at("reel.rank"), "4");
  EXPECT_EQ(meta.at("reel.alpha"), "2");
  EXPECT_EQ(meta.at("reel.algorithm"), "lora");
  EXPECT_EQ(meta.at("reel.base_model"), "wan21_t2v_tiny");
  const TensorInfo& a = written.info("diffusion_model.blocks.0.self_attn.q.alpha");
  EXPECT_EQ(a.dtype, at::kFloat);
  EXPECT_TRUE(a.shape.empty());  // a scalar
  const AdapterFile back = load_adapter_file(tmp / "out.safetensors");
  EXPECT_EQ(back.format, "comfyui");
  expect_same_weights(fixture.modules, back.modules);
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::from_weights(model, back.modules);
  EXPECT_LT(max_abs_diff(lora_sample(model), test::lora_expected("sample_lora_1.0")), 1e-4);
}

TEST(LoraFile, DiffusersLayoutRoundTripsThroughItsMetadata) {
  test::TempDir tmp;
  WanTransformer model = test::tiny_t2v();
  AdapterNetwork net = AdapterNetwork::from_weights(
      model, load_adapter_file(lora_fixture("lora_comfy.safetensors")).modules);
  AdapterSaveOptions o;
  o.layout = AdapterLayout::kDiffusers;
  o.lora_dropout = 0.1;
  save_adapter_network(tmp / "d.safetensors", net, o);
  EXPECT_EQ(keys_of(tmp / "d.safetensors"), keys_of(lora_fixture("lora_diffusers.safetensors")));
  const auto meta = SafetensorsFile::open(tmp / "d.safetensors").metadata();
  EXPECT_EQ(meta.at("format"), "pt");
  const std::string& text = meta.at("lora_adapter_metadata");
  const nlohmann::json peft = nlohmann::json::parse(text);
  // json.dumps(indent=2, sort_keys=True), as diffusers writes it.
  EXPECT_EQ(
      text.rfind("{\n  \"transformer.alpha_pattern\": {},\n  \"transformer.bias\": \"none\",\n", 0),
      0u)
      << text;
  EXPECT_EQ(peft.at("transformer.r"), 4);
  EXPECT_EQ(peft.at("transformer.lora_alpha"), 2);
  EXPECT_EQ(peft.at("transformer.peft_type"), "LORA");
  EXPECT_EQ(peft.at("transformer.init_lora_weights"), true);
  EXPECT_DOUBLE_EQ(peft.at("transformer.lora_dropout").get<double>(), 0.1);
  EXPECT_EQ(peft.at("transformer.target_modules"),
            nlohmann::json({"attn1.to_k", "attn1.to_out.0", "attn1.to_q", "attn1.to_v",
                            "attn2.to_k", "attn2.to_out.0", "attn2.to_q", "attn2.to_v",
                            "ffn.net.0.proj", "ffn.net.2"}));
  for (auto it = peft.begin(); it != peft.end(); ++it) {
    EXPECT_EQ(it.key().rfind("transformer.", 0), 0u) << it.key();
  }
  // Reloaded with no alpha given: the metadata's lora_alpha 2 applies.
  net.remove();
  const AdapterFile back = load_adapter_file(tmp / "d.safetensors");
  expect_same_weights(net.weights(), back.modules);
  AdapterNetwork again = AdapterNetwork::from_weights(model, back.modules);
  EXPECT_LT(max_abs_diff(lora_sample(model), test::lora_expected("sample_lora_1.0")), 1e-4);
}

TEST(LoraFile, ReadsMusubiAndOtherComfySpellings) {
  test::TempDir tmp;
  const AdapterFile reference = load_adapter_file(lora_fixture("lora_comfy.safetensors"));
  Tensors musubi, prefixed;
  for (auto& [key, t] : tensors_of(lora_fixture("lora_comfy.safetensors"))) {
    std::string k = key.substr(std::string("diffusion_model.").size());
    std::string tail;
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{".lora_A.weight", ".lora_down.weight"},
          {".lora_B.weight", ".lora_up.weight"},
          {".alpha", ".alpha"}}) {
      if (k.size() > from.size() && k.compare(k.size() - from.size(), from.size(), from) == 0) {
        k = k.substr(0, k.size() - from.size());
        tail = to;
      }
    }
    ASSERT_FALSE(tail.empty()) << key;
    prefixed.emplace_back("model.diffusion_model." + k + tail, t);
    std::replace(k.begin(), k.end(), '.', '_');
    musubi.emplace_back("lora_unet_" + k + tail, t);
  }
  EXPECT_EQ(musubi.front().first.rfind("lora_unet_blocks_0_", 0), 0u);
  write_safetensors(tmp / "musubi.safetensors", musubi);
  write_safetensors(tmp / "prefixed.safetensors", prefixed);
  const AdapterFile m = load_adapter_file(tmp / "musubi.safetensors");
  EXPECT_EQ(m.format, "musubi");
  expect_same_weights(reference.modules, m.modules);
  const AdapterFile p = load_adapter_file(tmp / "prefixed.safetensors");
  EXPECT_EQ(p.format, "comfyui");
  expect_same_weights(reference.modules, p.modules);
}

TEST(LoraFile, ReadsSimpleTunersComfyFilesWithDiffusersNames) {
  // ST's lora_format=comfyui only swaps the prefix (lora.md §3): diffusers module names.
  test::TempDir tmp;
  Tensors st;
  for (auto& [key, t] : tensors_of(lora_fixture("lora_diffusers.safetensors"))) {
    st.emplace_back("diffusion_model." + key.substr(std::string("transformer.").size()), t);
    if (key.find(".lora_A.") != std::string::npos) {
      st.emplace_back("diffusion_model." +
                          key.substr(12, key.size() - 12 - std::string(".lora_A.weight").size()) +
                          ".alpha",
                      at::scalar_tensor(2.0, at::kFloat));
    }
  }
  write_safetensors(tmp / "st.safetensors", st);
  expect_same_weights(load_adapter_file(lora_fixture("lora_comfy.safetensors")).modules,
                      load_adapter_file(tmp / "st.safetensors").modules);
}

TEST(LoraFile, UnknownKeysAreErrorsNamingTheKey) {
  test::TempDir tmp;
  Tensors t = tensors_of(lora_fixture("lora_comfy.safetensors"));
  t.emplace_back("diffusion_model.blocks.0.self_attn.q.lora_C.weight", at::zeros({4, 64}));
  write_safetensors(tmp / "bad.safetensors", t);
  const std::string e = error_of([&] { load_adapter_file(tmp / "bad.safetensors"); });
  EXPECT_TRUE(contains_text(e, "diffusion_model.blocks.0.self_attn.q.lora_C.weight")) << e;
  EXPECT_TRUE(contains_text(e, "bad.safetensors")) << e;

  write_safetensors(tmp / "bad2.safetensors",
                    {{"transformer.blocks.0.attn9.to_q.lora_A.weight", at::zeros({4, 64})},
                     {"transformer.blocks.0.attn9.to_q.lora_B.weight", at::zeros({64, 4})}});
  const std::string e2 = error_of([&] { load_adapter_file(tmp / "bad2.safetensors"); });
  EXPECT_TRUE(contains_text(e2, "blocks.0.attn9.to_q.lora_A.weight")) << e2;
}

TEST(LoraFile, IncompleteOrMisshapenModulesAreErrors) {
  test::TempDir tmp;
  write_safetensors(tmp / "half.safetensors",
                    {{"transformer.blocks.0.attn1.to_q.lora_A.weight", at::zeros({4, 64})}});
  EXPECT_TRUE(contains_text(error_of([&] { load_adapter_file(tmp / "half.safetensors"); }),
                            "lacks its up (lora_B)"));
  write_safetensors(tmp / "shape.safetensors",
                    {{"transformer.blocks.0.attn1.to_q.lora_A.weight", at::zeros({4, 64})},
                     {"transformer.blocks.0.attn1.to_q.lora_B.weight", at::zeros({64, 3})}});
  EXPECT_TRUE(contains_text(error_of([&] { load_adapter_file(tmp / "shape.safetensors"); }),
                            "do not fit together"));
  // A LoRA for another model size does not attach.
  write_safetensors(tmp / "wide.safetensors",
                    {{"transformer.blocks.0.attn1.to_q.lora_A.weight", at::zeros({4, 1536})},
                     {"transformer.blocks.0.attn1.to_q.lora_B.weight", at::zeros({1536, 4})}});
  WanTransformer model = test::tiny_t2v();
  const AdapterFile wide = load_adapter_file(tmp / "wide.safetensors");
  const std::string e = error_of([&] { AdapterNetwork::from_weights(model, wide.modules); });
  EXPECT_TRUE(contains_text(e, "blocks.0.attn1.to_q")) << e;
  EXPECT_TRUE(contains_text(e, "do not fit")) << e;
  for (auto& [name, linear] : model.linears()) EXPECT_FALSE(linear->adapter) << name;
}

TEST(LoraFile, FullWeightDiffsAreRejectedAndNormDiffsDropped) {
  test::TempDir tmp;
  Tensors t = tensors_of(lora_fixture("lora_comfy.safetensors"));
  t.emplace_back("diffusion_model.blocks.0.norm3.diff", at::zeros({64}));
  t.emplace_back("diffusion_model.blocks.0.norm3.diff_b", at::zeros({64}));
  write_safetensors(tmp / "norm.safetensors", t);
  EXPECT_EQ(load_adapter_file(tmp / "norm.safetensors").modules.size(), 20u);
  t.emplace_back("diffusion_model.blocks.0.ffn.0.diff", at::zeros({128, 64}));
  write_safetensors(tmp / "diff.safetensors", t);
  const std::string e = error_of([&] { load_adapter_file(tmp / "diff.safetensors"); });
  EXPECT_TRUE(contains_text(e, "blocks.0.ffn.0.diff")) << e;
}

// A bias delta (.diff_b) adds multiplier · diff_b to the layer's output, with or without
// merging, and survives both layouts (PEFT stores it as lora_B.bias / scale).
TEST(LoraFile, BiasDeltasApplyAndRoundTrip) {
  test::TempDir tmp;
  const at::Tensor diff_b = at::linspace(-1.0, 1.0, 64);
  write_safetensors(tmp / "b.safetensors",
                    {{"diffusion_model.blocks.0.self_attn.q.lora_A.weight", at::zeros({2, 64})},
                     {"diffusion_model.blocks.0.self_attn.q.lora_B.weight", at::zeros({64, 2})},
                     {"diffusion_model.blocks.0.self_attn.q.alpha", at::scalar_tensor(1.0)},
                     {"diffusion_model.blocks.0.self_attn.q.diff_b", diff_b}});
  const AdapterFile f = load_adapter_file(tmp / "b.safetensors");
  WanTransformer model = test::tiny_t2v();
  nn::Linear* q = nullptr;
  for (auto& [name, linear] : model.linears()) {
    if (name == "blocks.0.attn1.to_q") q = linear;
  }
  ASSERT_NE(q, nullptr);
  const at::Tensor x = at::randn({3, 64}, test::cpu_generator(1));
  c10::NoGradGuard no_grad;
  const at::Tensor base = (*q)(x);
  AdapterNetwork net = AdapterNetwork::from_weights(model, f.modules);
  net.set_multiplier(0.5);
  EXPECT_LT(max_abs_diff((*q)(x)-base, (0.5 * diff_b).expand({3, 64})), 1e-6);
  for (AdapterLayout layout : {AdapterLayout::kComfyUI, AdapterLayout::kDiffusers}) {
    AdapterSaveOptions o;
    o.layout = layout;
    const auto path = tmp / ("out_" + adapter_layout_name(layout) + ".safetensors");
    save_adapter_network(path, net, o);
    const AdapterFile back = load_adapter_file(path);
    EXPECT_LT(max_abs_diff(back.modules.at("blocks.0.attn1.to_q").bias, diff_b), 1e-6);
  }
  const auto stored = SafetensorsFile::open(tmp / "out_diffusers.safetensors");
  // alpha 1, rank 2: PEFT scales lora_B.bias by 1/2, so the file holds 2 · diff_b.
  EXPECT_LT(max_abs_diff(stored.tensor("transformer.blocks.0.attn1.to_q.lora_B.bias"), 2 * diff_b),
            1e-6);
  net.merge_into_base();
  EXPECT_LT(max_abs_diff((*q)(x)-base, (0.5 * diff_b).expand({3, 64})), 1e-6);
}

}  // namespace
}  // namespace reel
