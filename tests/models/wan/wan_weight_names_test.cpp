#include "models/wan/wan_weight_names.h"

#include <gtest/gtest.h>

#include "models/wan/wan_test_support.h"

namespace reel {
namespace {

using test::key_map;

const char* const kFixtures[] = {"wan21_t2v_tiny", "wan21_i2v_tiny", "wan22_i2v_tiny"};

TEST(WanWeightNames, OfficialToDiffusersMatchesTheConvertScriptForEveryEntry) {
  for (const char* dir : kFixtures) {
    auto map = key_map(dir);
    ASSERT_GT(map.size(), 50u) << dir;
    for (const auto& [official, diffusers] : map) {
      EXPECT_EQ(wan_official_to_diffusers(official).value_or("(none)"), diffusers)
          << dir << ": " << official;
      EXPECT_EQ(wan_official_to_diffusers("model.diffusion_model." + official).value_or("(none)"),
                diffusers)
          << dir << ": " << official;
      EXPECT_EQ(wan_official_to_diffusers("diffusion_model." + official).value_or("(none)"),
                diffusers)
          << dir << ": " << official;
    }
  }
}

TEST(WanWeightNames, DiffusersToOfficialInvertsTheConvertScriptForEveryEntry) {
  for (const char* dir : kFixtures) {
    for (const auto& [official, diffusers] : key_map(dir)) {
      EXPECT_EQ(wan_diffusers_to_official(diffusers).value_or("(none)"), official)
          << dir << ": " << diffusers;
      EXPECT_EQ(wan_diffusers_to_comfy(diffusers).value_or("(none)"), "diffusion_model." + official)
          << dir << ": " << diffusers;
    }
  }
}

TEST(WanWeightNames, ModuleNamesAndAdapterKeysMapToo) {
  EXPECT_EQ(wan_official_to_diffusers("blocks.3.self_attn.q"), "blocks.3.attn1.to_q");
  EXPECT_EQ(wan_official_to_diffusers("blocks.17.cross_attn.o"), "blocks.17.attn2.to_out.0");
  EXPECT_EQ(wan_official_to_diffusers("diffusion_model.blocks.0.ffn.2.lora_A.weight"),
            "blocks.0.ffn.net.2.lora_A.weight");
  EXPECT_EQ(wan_diffusers_to_official("blocks.0.ffn.net.0.proj"), "blocks.0.ffn.0");
  EXPECT_EQ(wan_diffusers_to_comfy("blocks.2.attn2.add_v_proj.lora_B.weight"),
            "diffusion_model.blocks.2.cross_attn.v_img.lora_B.weight");
  EXPECT_EQ(wan_diffusers_to_official("condition_embedder.time_proj"), "time_projection.1");
}

TEST(WanWeightNames, NormsTwoAndThreeSwap) {
  EXPECT_EQ(wan_official_to_diffusers("blocks.0.norm3.weight"), "blocks.0.norm2.weight");
  EXPECT_EQ(wan_official_to_diffusers("blocks.0.norm2.weight"), "blocks.0.norm3.weight");
  EXPECT_EQ(wan_official_to_diffusers("blocks.0.norm1.weight"), "blocks.0.norm1.weight");
  EXPECT_EQ(wan_diffusers_to_official("blocks.5.norm2.bias"), "blocks.5.norm3.bias");
  EXPECT_EQ(wan_diffusers_to_official("blocks.5.norm3.bias"), "blocks.5.norm2.bias");
}

TEST(WanWeightNames, ParametersWithoutModuleMap) {
  EXPECT_EQ(wan_official_to_diffusers("head.modulation"), "scale_shift_table");
  EXPECT_EQ(wan_official_to_diffusers("blocks.9.modulation"), "blocks.9.scale_shift_table");
  EXPECT_EQ(wan_diffusers_to_official("scale_shift_table"), "head.modulation");
  EXPECT_EQ(wan_diffusers_to_official("blocks.9.scale_shift_table"), "blocks.9.modulation");
  EXPECT_EQ(wan_official_to_diffusers("img_emb.emb_pos"),
            "condition_embedder.image_embedder.pos_embed");
}

TEST(WanWeightNames, NamesOutsideTheModelMapToNothing) {
  for (const char* name :
       {"blocks.0.self_attn.qq.weight", "blocks.x.norm1.weight", "blocks.0.norm4.weight",
        "proj_out.weight", "blocks.0.attn1.to_q.weight", "head.head2.weight", "foo", "", "blocks.",
        "blocks.1", "modulation", "first_stage_model.decoder.conv.weight"}) {
    EXPECT_FALSE(wan_official_to_diffusers(name).has_value()) << name;
  }
  for (const char* name : {"head.head.weight", "blocks.0.self_attn.q.weight",
                           "blocks.0.attn1.to_qq.weight", "condition_embedder.foo", "norm_out"}) {
    EXPECT_FALSE(wan_diffusers_to_official(name).has_value()) << name;
  }
}

TEST(WanWeightNames, PrefixStripping) {
  EXPECT_EQ(strip_wan_comfy_prefix("model.diffusion_model.head.head.weight"), "head.head.weight");
  EXPECT_EQ(strip_wan_comfy_prefix("diffusion_model.head.head.weight"), "head.head.weight");
  EXPECT_EQ(strip_wan_comfy_prefix("head.head.weight"), "head.head.weight");
}

}  // namespace
}  // namespace reel
