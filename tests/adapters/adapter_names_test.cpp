// The spellings of Wan Linear names in adapter files, and the keys Reel writes.
#include <gtest/gtest.h>

#include "adapters/adapter_keys.h"
#include "adapters/wan_adapter_names.h"
#include "support/error_of.h"

namespace reel {
namespace {

TEST(WanAdapterNames, MapsEverySpellingToTheDiffusersName) {
  EXPECT_EQ(wan_linear_name("blocks.3.attn1.to_out.0"), "blocks.3.attn1.to_out.0");
  EXPECT_EQ(wan_linear_name("blocks.3.cross_attn.o"), "blocks.3.attn2.to_out.0");
  EXPECT_EQ(wan_linear_name("blocks.12.cross_attn.k_img"), "blocks.12.attn2.add_k_proj");
  EXPECT_EQ(wan_linear_name("blocks.0.ffn.2"), "blocks.0.ffn.net.2");
  EXPECT_EQ(wan_linear_name("head.head"), "proj_out");
  EXPECT_EQ(wan_linear_name("time_projection.1"), "condition_embedder.time_proj");
  EXPECT_EQ(wan_linear_name("img_emb.proj.1"), "condition_embedder.image_embedder.ff.net.0.proj");
  // Not Linears: norms, the patch embedding, unknown names.
  EXPECT_FALSE(wan_linear_name("blocks.0.norm3"));
  EXPECT_FALSE(wan_linear_name("patch_embedding"));
  EXPECT_FALSE(wan_linear_name("blocks.0.attn1"));
  EXPECT_FALSE(wan_linear_name("blocks.x.attn1.to_q"));

  EXPECT_EQ(wan_linear_name_from_flat("blocks_0_self_attn_q"), "blocks.0.attn1.to_q");
  EXPECT_EQ(wan_linear_name_from_flat("blocks_17_attn1_to_out_0"), "blocks.17.attn1.to_out.0");
  EXPECT_EQ(wan_linear_name_from_flat("blocks_2_cross_attn_v_img"), "blocks.2.attn2.add_v_proj");
  EXPECT_EQ(wan_linear_name_from_flat("blocks_2_ffn_net_0_proj"), "blocks.2.ffn.net.0.proj");
  EXPECT_EQ(wan_linear_name_from_flat("blocks_2_ffn_0"), "blocks.2.ffn.net.0.proj");
  EXPECT_EQ(wan_linear_name_from_flat("text_embedding_2"),
            "condition_embedder.text_embedder.linear_2");
  EXPECT_EQ(wan_linear_name_from_flat("condition_embedder_time_embedder_linear_1"),
            "condition_embedder.time_embedder.linear_1");
  EXPECT_EQ(wan_linear_name_from_flat("head_head"), "proj_out");
  EXPECT_FALSE(wan_linear_name_from_flat("blocks_0_norm3"));
  EXPECT_FALSE(wan_linear_name_from_flat("blocks_0_self_attn"));
}

TEST(AdapterKeys, SpellEachLayout) {
  EXPECT_EQ(adapter_key(AdapterLayout::kComfyUI, "blocks.0.attn1.to_q", "lora_A"),
            "diffusion_model.blocks.0.self_attn.q.lora_A.weight");
  EXPECT_EQ(adapter_key(AdapterLayout::kComfyUI, "proj_out", "alpha"),
            "diffusion_model.head.head.alpha");
  EXPECT_EQ(adapter_key(AdapterLayout::kComfyUI, "blocks.1.ffn.net.2", "bias"),
            "diffusion_model.blocks.1.ffn.2.diff_b");
  EXPECT_EQ(adapter_key(AdapterLayout::kDiffusers, "blocks.0.attn2.to_out.0", "lora_B"),
            "transformer.blocks.0.attn2.to_out.0.lora_B.weight");
  EXPECT_EQ(adapter_key(AdapterLayout::kDiffusers, "proj_out", "bias"),
            "transformer.proj_out.lora_B.bias");
  EXPECT_EQ(adapter_key(AdapterLayout::kLycoris, "blocks.0.attn1.to_out.0", "lokr_w1"),
            "lycoris_blocks_0_attn1_to_out_0.lokr_w1");
  EXPECT_EQ(adapter_key(AdapterLayout::kLycoris, "proj_out", "lora_A"),
            "lycoris_proj_out.lora_down.weight");
  EXPECT_EQ(adapter_key(AdapterLayout::kLycoris, "proj_out", "alpha", "lyco"),
            "lyco_proj_out.alpha");
  EXPECT_EQ(parse_adapter_layout("diffusers"), AdapterLayout::kDiffusers);
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { parse_adapter_layout("kohya"); }), "lora_format"));
}

}  // namespace
}  // namespace reel
