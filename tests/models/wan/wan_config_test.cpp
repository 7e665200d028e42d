#include <gtest/gtest.h>

#include "models/wan/wan_config_io.h"
#include "models/wan/wan_test_support.h"
#include "support/error_of.h"
#include "support/safetensors_header.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::fixture;

std::vector<TensorShape> shapes_of(const std::filesystem::path& file,
                                   const std::string& prefix = "") {
  std::vector<TensorShape> shapes;
  for (const auto& [name, e] : test::read_safetensors_header(file)) {
    shapes.push_back({prefix + name, e.shape});
  }
  return shapes;
}

TEST(WanConfig, ReadsEachFixtureConfigJson) {
  WanConfig t2v = read_wan_config(fixture("wan21_t2v_tiny/transformer/config.json"));
  EXPECT_EQ(t2v.dim(), 64);
  EXPECT_EQ(t2v.num_attention_heads, 4);
  EXPECT_EQ(t2v.attention_head_dim, 16);
  EXPECT_EQ(t2v.ffn_dim, 128);
  EXPECT_EQ(t2v.num_layers, 2);
  EXPECT_EQ(t2v.text_dim, 32);
  EXPECT_EQ(t2v.freq_dim, 256);
  EXPECT_EQ(t2v.in_channels, 16);
  EXPECT_EQ(t2v.out_channels, 16);
  EXPECT_EQ(t2v.patch_size, (std::array<int64_t, 3>{1, 2, 2}));
  EXPECT_EQ(t2v.qk_norm, "rms_norm_across_heads");
  EXPECT_TRUE(t2v.cross_attn_norm);
  EXPECT_DOUBLE_EQ(t2v.eps, 1e-6);
  EXPECT_FALSE(t2v.has_image_branch());
  EXPECT_FALSE(t2v.pos_embed_seq_len.has_value());

  WanConfig i2v = read_wan_config(fixture("wan21_i2v_tiny/transformer/config.json"));
  EXPECT_EQ(i2v.in_channels, 36);
  EXPECT_EQ(i2v.image_dim, 1280);
  EXPECT_EQ(i2v.added_kv_proj_dim, 64);

  WanConfig i2v22 = read_wan_config(fixture("wan22_i2v_tiny/transformer_2/config.json"));
  EXPECT_EQ(i2v22.in_channels, 36);
  EXPECT_FALSE(i2v22.has_image_branch());
}

TEST(WanConfig, InferredFromTheOfficialFileEqualsConfigJson) {
  for (const auto& f : test::wan_fixtures()) {
    WanConfig expected = read_wan_config(fixture(f.dir) / f.subfolder / "config.json");
    auto file = fixture(f.dir) / f.original;
    WanConfig inferred = infer_wan_config(shapes_of(file), 4, file.string());
    EXPECT_EQ(inferred, expected) << f.original << "\n"
                                  << wan_config_json(inferred) << "\n"
                                  << wan_config_json(expected);
    // The same with ComfyUI's prefix, and from the diffusers names.
    EXPECT_EQ(infer_wan_config(shapes_of(file, "model.diffusion_model."), 4, "x"), expected);
    auto diffusers = fixture(f.dir) / f.subfolder / "diffusion_pytorch_model.safetensors";
    EXPECT_EQ(infer_wan_config(shapes_of(diffusers), 4, "x"), expected) << f.subfolder;
  }
}

TEST(WanConfig, TinyWidthsNeedTheHeadCount) {
  auto file = fixture("wan21_t2v_tiny/wan21_t2v_tiny_original.safetensors");
  std::string e = error_of([&] { infer_wan_config(shapes_of(file), std::nullopt, file.string()); });
  EXPECT_TRUE(contains_text(e, "cannot infer the number of attention heads")) << e;
  EXPECT_TRUE(contains_text(e, "width 64")) << e;
  EXPECT_TRUE(contains_text(e, "num_heads")) << e;
  EXPECT_TRUE(contains_text(e, file.string())) << e;

  e = error_of([&] { infer_wan_config(shapes_of(file), 5, file.string()); });
  EXPECT_TRUE(contains_text(e, "num_heads 5 does not divide the width 64")) << e;
}

// The released sizes: official names and shapes of a 1.3B T2V and a 14B I2V (2.1).
std::vector<TensorShape> released(int64_t dim, int64_t in_dim, int64_t ffn, int64_t layers,
                                  bool clip) {
  std::vector<TensorShape> s = {
      {"patch_embedding.weight", {dim, in_dim, 1, 2, 2}},
      {"patch_embedding.bias", {dim}},
      {"head.head.weight", {64, dim}},
      {"head.modulation", {1, 2, dim}},
      {"text_embedding.0.weight", {dim, 4096}},
      {"time_embedding.0.weight", {dim, 256}},
  };
  for (int64_t i = 0; i < layers; ++i) {
    std::string b = "blocks." + std::to_string(i) + ".";
    s.push_back({b + "ffn.0.weight", {ffn, dim}});
    s.push_back({b + "self_attn.norm_q.weight", {dim}});
    s.push_back({b + "norm3.weight", {dim}});
    if (clip) s.push_back({b + "cross_attn.k_img.weight", {dim, dim}});
  }
  if (clip) s.push_back({"img_emb.proj.0.weight", {1280}});
  return s;
}

TEST(WanConfig, ReleasedWidthsGiveTheirHeadCounts) {
  WanConfig small = infer_wan_config(released(1536, 16, 8960, 30, false), std::nullopt, "x");
  EXPECT_EQ(small.num_attention_heads, 12);
  EXPECT_EQ(small.attention_head_dim, 128);
  EXPECT_EQ(small.num_layers, 30);
  EXPECT_EQ(small.ffn_dim, 8960);
  EXPECT_EQ(small.text_dim, 4096);
  EXPECT_FALSE(small.has_image_branch());

  WanConfig big = infer_wan_config(released(5120, 36, 13824, 40, true), std::nullopt, "x");
  EXPECT_EQ(big.num_attention_heads, 40);
  EXPECT_EQ(big.attention_head_dim, 128);
  EXPECT_EQ(big.num_layers, 40);
  EXPECT_EQ(big.in_channels, 36);
  EXPECT_EQ(big.image_dim, 1280);
  EXPECT_EQ(big.added_kv_proj_dim, 5120);

  EXPECT_EQ(wan_known_num_heads(3072), 24);
  EXPECT_FALSE(wan_known_num_heads(64).has_value());
  // An explicit head count wins.
  EXPECT_EQ(infer_wan_config(released(1536, 16, 8960, 1, false), 24, "x").attention_head_dim, 64);
}

TEST(WanConfig, InferenceNamesAMissingTensor) {
  auto s = released(1536, 16, 8960, 2, false);
  s.erase(s.begin() + 4);  // text_embedding.0.weight
  std::string e = error_of([&] { infer_wan_config(s, std::nullopt, "model.safetensors"); });
  EXPECT_TRUE(contains_text(e, "model.safetensors")) << e;
  EXPECT_TRUE(contains_text(e, "'text_embedding.0.weight' is missing")) << e;
}

TEST(WanConfig, UnknownKeysAreIgnoredAndNullsClear) {
  WanConfig c = parse_wan_config(
      R"({"num_layers": 3, "some_future_key": [1, 2], "qk_norm": null, "image_dim": null,
          "_diffusers_version": "0.36.0"})",
      "c.json");
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.qk_norm, "");
  EXPECT_FALSE(c.image_dim.has_value());
}

TEST(WanConfig, WrongTypesNameTheFileAndKey) {
  struct Case {
    const char* json;
    const char* key;
  } cases[] = {
      {R"({"num_layers": "2"})", "num_layers"},
      {R"({"num_attention_heads": 4.5})", "num_attention_heads"},
      {R"({"ffn_dim": 0})", "ffn_dim"},
      {R"({"patch_size": [1, 2]})", "patch_size"},
      {R"({"eps": "small"})", "eps"},
      {R"({"cross_attn_norm": 1})", "cross_attn_norm"},
      {R"({"qk_norm": 3})", "qk_norm"},
      {R"({"image_dim": "1280"})", "image_dim"},
      {R"({"attention_head_dim": 15})", "attention_head_dim"},
      {R"({"_class_name": "AutoencoderKLWan"})", "_class_name"},
  };
  for (const auto& c : cases) {
    std::string e = error_of([&] { parse_wan_config(c.json, "/m/transformer/config.json"); });
    EXPECT_TRUE(contains_text(e, "/m/transformer/config.json")) << e;
    EXPECT_TRUE(contains_text(e, std::string("key '") + c.key + "'")) << e;
  }
  std::string e = error_of([] { parse_wan_config("{not json", "c.json"); });
  EXPECT_TRUE(contains_text(e, "not valid JSON")) << e;
  e = error_of([] { read_wan_config("/no/such/config.json"); });
  EXPECT_TRUE(contains_text(e, "/no/such/config.json")) << e;
}

TEST(WanConfig, JsonRoundTrips) {
  for (const auto& f : test::wan_fixtures()) {
    WanConfig c = read_wan_config(fixture(f.dir) / f.subfolder / "config.json");
    EXPECT_EQ(parse_wan_config(wan_config_json(c), "x"), c);
  }
  WanConfig d;
  d.qk_norm = "";
  d.pos_embed_seq_len = 514;
  EXPECT_EQ(parse_wan_config(wan_config_json(d), "x"), d);
  EXPECT_TRUE(contains_text(describe_wan_config(d), "30 layers, dim 1536 (12 heads x 128)"));
}

}  // namespace
}  // namespace reel
