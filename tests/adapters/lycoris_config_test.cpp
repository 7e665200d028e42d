// lycoris_config.json parsing (lora.md §4) and the modules LyCORIS' rules select on the Wan
// transformer's Linears.
#include "adapters/lycoris_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "adapters/adapter_targets.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

// The Linears of a Wan 2.1 model with `blocks` blocks, as WanTransformer::linears() lists
// them (i2v adds the image branch and add_k/add_v).
std::vector<std::string> wan_linears(int blocks, bool i2v) {
  std::vector<std::string> out = {
      "condition_embedder.time_embedder.linear_1", "condition_embedder.time_embedder.linear_2",
      "condition_embedder.time_proj", "condition_embedder.text_embedder.linear_1",
      "condition_embedder.text_embedder.linear_2"};
  if (i2v) {
    out.push_back("condition_embedder.image_embedder.ff.net.0.proj");
    out.push_back("condition_embedder.image_embedder.ff.net.2");
  }
  for (int i = 0; i < blocks; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    for (const char* a : {"attn1.", "attn2."}) {
      for (const char* l : {"to_q", "to_k", "to_v", "to_out.0"}) out.push_back(b + a + l);
      if (i2v && std::string(a) == "attn2.") {
        out.push_back(b + "attn2.add_k_proj");
        out.push_back(b + "attn2.add_v_proj");
      }
    }
    out.push_back(b + "ffn.net.0.proj");
    out.push_back(b + "ffn.net.2");
  }
  out.push_back("proj_out");
  return out;
}

// ST's config/lycoris_config.json.example.
const char* kExample = R"({"algo": "lokr", "multiplier": 1.0, "full_matrix": true,
  "linear_alpha": 1, "factor": 16, "apply_preset": {"target_module": ["Attention", "FeedForward"],
  "module_algo_map": {"Attention": {"factor": 16}, "FeedForward": {"factor": 8}}}})";

TEST(LycorisConfig, ParsesSimpleTunersExample) {
  const LycorisConfig c = parse_lycoris_config(kExample);
  EXPECT_EQ(c.algo, AdapterAlgo::kLoKr);
  EXPECT_DOUBLE_EQ(c.multiplier, 1.0);
  EXPECT_TRUE(c.full_matrix);
  EXPECT_DOUBLE_EQ(c.linear_alpha, 1.0);
  EXPECT_EQ(c.linear_dim, 4);  // absent with full_matrix: LyCORIS' default
  EXPECT_EQ(c.factor, 16);
  EXPECT_EQ(c.target_module, (std::vector<std::string>{"Attention", "FeedForward"}));
  ASSERT_EQ(c.module_algo_map.size(), 2u);
  EXPECT_EQ(c.module_algo_map[0].first, "Attention");
  EXPECT_EQ(c.module_algo_map[0].second.factor, 16);
  EXPECT_EQ(c.module_algo_map[1].second.factor, 8);
  EXPECT_EQ(c.lora_prefix, "lycoris");

  // On the 1.3B layout (30 blocks): 8 attention + 2 feed-forward Linears per block.
  const auto plans = plan_lycoris_modules(wan_linears(30, false), c);
  EXPECT_EQ(plans.size(), 300u);
  std::map<std::string, int64_t> factor;
  for (const auto& p : plans) factor[p.name] = p.factor;
  EXPECT_EQ(factor.at("blocks.0.attn1.to_q"), 16);
  EXPECT_EQ(factor.at("blocks.29.attn2.to_out.0"), 16);
  EXPECT_EQ(factor.at("blocks.3.ffn.net.0.proj"), 8);
  EXPECT_EQ(factor.count("proj_out"), 0u);
  EXPECT_TRUE(plans.front().full_matrix);
}

TEST(LycorisConfig, KeepsMultiplierAndAlphaAsFloats) {
  // ST casts both with int(): 0.5 would become 0.
  const LycorisConfig c = parse_lycoris_config(
      R"({"algo": "locon", "multiplier": 0.5, "linear_dim": 8, "linear_alpha": 0.5})");
  EXPECT_EQ(c.algo, AdapterAlgo::kLoCon);
  EXPECT_DOUBLE_EQ(c.multiplier, 0.5);
  EXPECT_DOUBLE_EQ(c.linear_alpha, 0.5);
  EXPECT_EQ(c.linear_dim, 8);
  EXPECT_EQ(parse_lycoris_config(R"({"algo": "LoRA", "multiplier": 1, "linear_dim": 8,
                                     "linear_alpha": 1})")
                .algo,
            AdapterAlgo::kLoCon);
}

TEST(LycorisConfig, DefaultTargetsAreEveryLinear) {
  const LycorisConfig c = parse_lycoris_config(
      R"({"algo": "lokr", "multiplier": 1.0, "linear_dim": 10000, "linear_alpha": 1,
          "factor": 4, "apply_preset": {}})");
  // LyCORIS counts 27 / 307 / 489 with the patch_embedding Conv3d; Reel adapts Linears only.
  EXPECT_EQ(plan_lycoris_modules(wan_linears(2, false), c).size(), 26u);
  EXPECT_EQ(plan_lycoris_modules(wan_linears(30, false), c).size(), 306u);
  EXPECT_EQ(plan_lycoris_modules(wan_linears(40, true), c).size(), 488u);
  // A preset name changes nothing for Wan.
  const LycorisConfig p = parse_lycoris_config(
      R"({"algo": "lokr", "multiplier": 1.0, "linear_dim": 4, "linear_alpha": 1,
          "preset": "attn-only"})");
  EXPECT_EQ(p.preset, "attn-only");
  EXPECT_EQ(plan_lycoris_modules(wan_linears(2, false), p).size(), 26u);
}

std::set<std::string> planned(const std::string& json, int blocks = 2, bool i2v = false) {
  std::set<std::string> out;
  for (const auto& p : plan_lycoris_modules(wan_linears(blocks, i2v), parse_lycoris_config(json)))
    out.insert(p.name);
  return out;
}

TEST(LycorisConfig, ClassTargetsSelectTheLinearsInsideThem) {
  const std::string head = R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4,
                               "linear_alpha": 1, "apply_preset": {"target_module": )";
  EXPECT_EQ(planned(head + R"(["Attention"]}})").size(), 16u);
  EXPECT_EQ(planned(head + R"(["Attention"]}})", 2, true).size(), 20u);  // + add_k/add_v
  EXPECT_EQ(planned(head + R"(["FeedForward"]}})"),
            (std::set<std::string>{"blocks.0.ffn.net.0.proj", "blocks.0.ffn.net.2",
                                   "blocks.1.ffn.net.0.proj", "blocks.1.ffn.net.2"}));
  // I2V 2.1: the image embedder's feed-forward is a FeedForward too.
  EXPECT_EQ(planned(head + R"(["FeedForward"]}})", 2, true)
                .count("condition_embedder.image_embedder.ff.net.0.proj"),
            1u);
  EXPECT_EQ(planned(head + R"(["WanTransformerBlock"]}})").size(), 20u);
  EXPECT_EQ(
      planned(head + R"(["WanTimeTextImageEmbedding"]}})"),
      (std::set<std::string>{
          "condition_embedder.time_embedder.linear_1", "condition_embedder.time_embedder.linear_2",
          "condition_embedder.time_proj", "condition_embedder.text_embedder.linear_1",
          "condition_embedder.text_embedder.linear_2"}));
  EXPECT_EQ(planned(head + R"(["Linear"]}})").size(), 26u);
}

TEST(LycorisConfig, NamesAndExclusions) {
  const std::string head = R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4,
                               "linear_alpha": 1, "apply_preset": )";
  // target_name: re.match (anchored at the start only), on diffusers module paths.
  EXPECT_EQ(planned(head + R"({"target_module": [], "target_name": ["blocks\\.1\\.attn2"]}})"),
            (std::set<std::string>{"blocks.1.attn2.to_q", "blocks.1.attn2.to_k",
                                   "blocks.1.attn2.to_v", "blocks.1.attn2.to_out.0"}));
  EXPECT_EQ(planned(head + R"({"target_module": [], "target_name": ["proj_out"]}})"),
            (std::set<std::string>{"proj_out"}));
  // fnmatch matches the whole path.
  EXPECT_EQ(planned(head + R"({"target_module": [], "use_fnmatch": true,
                               "target_name": ["blocks.*.to_q"]}})"),
            (std::set<std::string>{"blocks.0.attn1.to_q", "blocks.0.attn2.to_q",
                                   "blocks.1.attn1.to_q", "blocks.1.attn2.to_q"}));
  // exclude_name skips where the walk meets it.
  const auto all_but = planned(head + R"({"target_module": ["Linear"],
                                          "exclude_name": ["blocks\\.0\\.", "proj_out"]}})");
  EXPECT_EQ(all_but.size(), 26u - 10u - 1u);
  EXPECT_EQ(all_but.count("blocks.0.attn1.to_q"), 0u);
  EXPECT_EQ(all_but.count("blocks.1.attn1.to_q"), 1u);
  // As in LyCORIS, exclude_name is not looked at inside a targeted class.
  const std::string attention = head + R"({"target_module": ["Attention"], "exclude_name": )";
  EXPECT_EQ(planned(attention + R"(["blocks\\.0\\.attn1\\.to_q"]}})").size(), 16u);
  EXPECT_EQ(planned(attention + R"(["blocks\\.0\\.attn1"]}})").size(), 12u);
}

TEST(LycorisConfig, ModuleAndNameAlgoMapsOverrideSettings) {
  const std::string json = R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4,
    "linear_alpha": 2, "factor": 8, "apply_preset": {
      "target_module": ["WanTransformerBlock"],
      "module_algo_map": {"FeedForward": {"algo": "loha", "dim": 6, "alpha": 3}},
      "name_algo_map": {"proj_out": {"algo": "locon", "dim": 2}}}})";
  std::map<std::string, LycorisModulePlan> by_name;
  for (const auto& p : plan_lycoris_modules(wan_linears(2, false), parse_lycoris_config(json)))
    by_name[p.name] = p;
  EXPECT_EQ(by_name.size(), 21u);  // the blocks' Linears + proj_out
  const auto& q = by_name.at("blocks.0.attn1.to_q");
  EXPECT_EQ(q.algo, AdapterAlgo::kLoKr);
  EXPECT_EQ(q.dim, 4);
  EXPECT_DOUBLE_EQ(q.alpha, 2.0);
  EXPECT_EQ(q.factor, 8);
  // FeedForward inside a targeted block takes its module_algo_map entry.
  const auto& ff = by_name.at("blocks.1.ffn.net.2");
  EXPECT_EQ(ff.algo, AdapterAlgo::kLoHa);
  EXPECT_EQ(ff.dim, 6);
  EXPECT_DOUBLE_EQ(ff.alpha, 3.0);
  const auto& out = by_name.at("proj_out");
  EXPECT_EQ(out.algo, AdapterAlgo::kLoCon);
  EXPECT_EQ(out.dim, 2);
  EXPECT_DOUBLE_EQ(out.alpha, 2.0);
}

TEST(LycorisConfig, ErrorsNameTheKey) {
  const auto err = [](const std::string& json) {
    return error_of([&] { parse_lycoris_config(json, "lyco.json"); });
  };
  std::string e = err(R"({"multiplier": 1, "linear_dim": 4, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "'algo' is required")) << e;
  EXPECT_TRUE(contains_text(e, "lyco.json")) << e;
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "linear_dim")) << e;
  e = err(R"({"algo": "lokr", "linear_dim": 4, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "'multiplier' is required")) << e;
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4})");
  EXPECT_TRUE(contains_text(e, "'linear_alpha' is required")) << e;
  e = err(R"({"algo": "boft", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "not supported by Reel")) << e;
  e = err(R"({"algo": "lokrr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "not a LyCORIS algorithm")) << e;
  e = err(R"({"algo": "lokr", "multiplier": "1", "linear_dim": 4, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "key 'multiplier'")) << e;
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4.5, "linear_alpha": 1})");
  EXPECT_TRUE(contains_text(e, "whole number")) << e;
  // apply_preset's keys are LycorisNetwork.apply_preset's (KeyError there).
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
             "apply_preset": {"target_modules": ["Attention"]}})");
  EXPECT_TRUE(contains_text(e, "unknown apply_preset key 'target_modules'")) << e;
  EXPECT_TRUE(contains_text(e, "target_module,")) << e;
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
             "dora_wd": true})");
  EXPECT_TRUE(contains_text(e, "not supported by Reel")) << e;
  EXPECT_EQ(err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
                   "dora_wd": false, "conv_dim": 8, "use_tucker": true})"),
            "(no error)");
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
             "preset": "my.toml"})");
  EXPECT_TRUE(contains_text(e, "unknown LyCORIS preset")) << e;
  e = err(R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
             "apply_preset": {"target_name": ["blocks[0"]}})");
  EXPECT_TRUE(contains_text(e, "not a valid regular expression")) << e;
  e = err("{\"algo\": ");
  EXPECT_TRUE(contains_text(e, "not valid JSON")) << e;
}

TEST(LycorisConfig, UnknownClassNamesAndEmptySelectionsAreErrors) {
  const LycorisConfig typo = parse_lycoris_config(
      R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
          "apply_preset": {"target_module": ["Attn"]}})",
      "lyco.json");
  std::string e = error_of([&] { plan_lycoris_modules(wan_linears(2, false), typo); });
  EXPECT_TRUE(contains_text(e, "'Attn' is not a module class")) << e;
  EXPECT_TRUE(contains_text(e, "Attention")) << e;
  const LycorisConfig conv = parse_lycoris_config(
      R"({"algo": "lokr", "multiplier": 1, "linear_dim": 4, "linear_alpha": 1,
          "apply_preset": {"target_module": ["Conv3d"]}})");
  e = error_of([&] { plan_lycoris_modules(wan_linears(2, false), conv); });
  EXPECT_TRUE(contains_text(e, "selects no Linear")) << e;
}

TEST(LycorisConfig, ReadsAFile) {
  test::TempDir tmp;
  const auto path = tmp.write("lycoris_config.json", kExample);
  const LycorisConfig c = read_lycoris_config(path);
  EXPECT_EQ(c.source, path.string());
  EXPECT_EQ(nlohmann::json::parse(c.json), nlohmann::json::parse(kExample));
  EXPECT_TRUE(
      contains_text(error_of([&] { read_lycoris_config(tmp / "missing.json"); }), "missing.json"));
}

}  // namespace
}  // namespace reel
