#include "models/text/umt5_encoder.h"

#include <gtest/gtest.h>

#include "core/safetensors_writer.h"
#include "models/text/umt5_encoder_loader.h"
#include "models/text/umt5_fixture.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::max_abs_diff;
using test::umt5_case;
using test::umt5_dir;

constexpr double kTolerance = 1e-4;  // fixture.json: absolute, float32
// bf16 compute (weights, activations and matmuls in bf16; norms and softmax in float32)
// against the float32 reference. bf16 keeps 8 bits of mantissa (relative error ~4e-3 per
// rounding); with this fixture's peaked attention and O(10) position biases, the measured
// error over both groups is below ~0.1 of O(1) outputs, so 0.25 flags real bugs (a swapped
// wi_0/wi_1 or q/k changes outputs by > 2) without flaking.
constexpr double kBf16Tolerance = 0.25;

const Umt5Encoder& fixture_encoder() {
  static const Umt5Encoder e = load_umt5_encoder(umt5_dir() / "text_encoder");
  return e;
}

TEST(Umt5Encoder, ReadsConfigJson) {
  const Umt5Config c = read_umt5_config(umt5_dir() / "text_encoder" / "config.json");
  EXPECT_EQ(c.vocab_size, 1024);
  EXPECT_EQ(c.d_model, 32);
  EXPECT_EQ(c.d_kv, 8);
  EXPECT_EQ(c.d_ff, 64);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.num_layers, 2);
  EXPECT_EQ(c.relative_attention_num_buckets, 32);
  EXPECT_EQ(c.relative_attention_max_distance, 128);
  EXPECT_DOUBLE_EQ(c.layer_norm_epsilon, 1e-6);
}

TEST(Umt5Encoder, RelativePositionBucketsMatchTheOfficialTable) {
  const at::Tensor offsets = umt5_case("relative_position_bucket/offsets");
  const at::Tensor expected = umt5_case("relative_position_bucket/buckets");
  EXPECT_TRUE(at::equal(relative_position_bucket(offsets, 32, 128), expected));
  const at::Tensor few =
      relative_position_bucket(at::tensor({-1, 0, 1, 128, 600, -600}, at::kLong));
  EXPECT_TRUE(at::equal(few, at::tensor({1, 0, 17, 31, 31, 15}, at::kLong)));
}

TEST(Umt5Encoder, ParametersUseTransformersNames) {
  Umt5Encoder e(read_umt5_config(umt5_dir() / "text_encoder" / "config.json"));
  const auto slots = e.parameters();
  ASSERT_EQ(slots.size(), 1u + 2u * 10u + 1u);
  EXPECT_EQ(slots.front().name, "shared.weight");
  EXPECT_EQ(slots.back().name, "encoder.final_layer_norm.weight");
  const SafetensorsSet set = SafetensorsSet::open(umt5_dir() / "text_encoder");
  for (const auto& s : slots) {
    ASSERT_TRUE(set.contains(s.name)) << s.name;
    EXPECT_EQ(set.info(s.name).shape, s.shape) << s.name;
  }
}

TEST(Umt5Encoder, LastHiddenStateMatchesTheOfficialEncoder) {
  for (const std::string group : {"short", "long"}) {
    const at::Tensor out = fixture_encoder().forward(umt5_case(group + "/input_ids"),
                                                     umt5_case(group + "/attention_mask"));
    const at::Tensor expected = umt5_case(group + "/last_hidden_state");
    ASSERT_EQ(out.sizes(), expected.sizes()) << group;
    EXPECT_EQ(out.scalar_type(), at::kFloat);
    const double err = max_abs_diff(out, expected);
    EXPECT_LT(err, kTolerance) << group;
    std::cout << "[ umt5 ] " << group << " last_hidden_state fp32 max abs err " << err << "\n";
  }
}

TEST(Umt5Encoder, Bf16ComputeIsCloseToTheFloat32Reference) {
  for (const std::string group : {"short", "long"}) {
    Umt5RunOptions run;
    run.compute_dtype = at::kBFloat16;
    const at::Tensor out = fixture_encoder().forward(umt5_case(group + "/input_ids"),
                                                     umt5_case(group + "/attention_mask"), run);
    EXPECT_EQ(out.scalar_type(), at::kFloat);
    const double err = max_abs_diff(out, umt5_case(group + "/last_hidden_state"));
    EXPECT_LT(err, kBf16Tolerance) << group;
    std::cout << "[ umt5 ] " << group << " last_hidden_state bf16 max abs err " << err << "\n";
  }
  // bf16-stored weights too.
  Umt5Encoder bf = load_umt5_encoder(umt5_dir() / "text_encoder", {at::kBFloat16, at::kCPU});
  Umt5RunOptions run;
  run.compute_dtype = at::kBFloat16;
  const at::Tensor out =
      bf.forward(umt5_case("short/input_ids"), umt5_case("short/attention_mask"), run);
  EXPECT_LT(max_abs_diff(out, umt5_case("short/last_hidden_state")), kBf16Tolerance);
}

TEST(Umt5Encoder, OfficialNamingLoadsTheSameModel) {
  const Umt5Checkpoint ck = open_umt5_checkpoint(umt5_dir() / "umt5_tiny_original.safetensors");
  EXPECT_EQ(ck.naming, "official");
  EXPECT_EQ(ck.config_source, "inferred from the tensor shapes");
  const Umt5Config& c = ck.config;
  EXPECT_EQ(c.vocab_size, 1024);
  EXPECT_EQ(c.d_model, 32);
  EXPECT_EQ(c.d_kv, 8);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.d_ff, 64);
  EXPECT_EQ(c.num_layers, 2);

  Umt5Encoder original = load_umt5_encoder(umt5_dir() / "umt5_tiny_original.safetensors");
  Umt5Encoder transformers = load_umt5_encoder(umt5_dir() / "text_encoder");
  auto a = original.parameters();
  auto b = transformers.parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(at::equal(*a[i].tensor, *b[i].tensor)) << a[i].name;
  }
  const at::Tensor ids = umt5_case("short/input_ids"), mask = umt5_case("short/attention_mask");
  EXPECT_TRUE(at::equal(original.forward(ids, mask), transformers.forward(ids, mask)));
}

TEST(Umt5Encoder, NameMapRoundTrips) {
  EXPECT_EQ(umt5_official_to_transformers("blocks.3.ffn.gate.0.weight").value(),
            "encoder.block.3.layer.1.DenseReluDense.wi_0.weight");
  EXPECT_EQ(umt5_official_to_transformers("blocks.0.ffn.fc1.weight").value(),
            "encoder.block.0.layer.1.DenseReluDense.wi_1.weight");
  EXPECT_EQ(umt5_official_to_transformers("token_embedding.weight").value(), "shared.weight");
  EXPECT_FALSE(umt5_official_to_transformers("blocks.x.norm1.weight"));
  const auto& map = test::umt5_fixture().at("key_map_official_to_transformers");
  for (const auto& [official, transformers] : map.items()) {
    EXPECT_EQ(umt5_official_to_transformers(official).value_or("?"), transformers);
    EXPECT_EQ(umt5_transformers_to_official(transformers).value_or("?"), official);
  }
}

TEST(Umt5Encoder, LoadsShardsAndATiedEmbedTokens) {
  test::TempDir dir;
  const SafetensorsSet set = SafetensorsSet::open(umt5_dir() / "text_encoder");
  std::vector<std::pair<std::string, at::Tensor>> first, second;
  nlohmann::json index;
  index["metadata"] = nlohmann::json::object();
  for (size_t i = 0; i < set.tensors().size(); ++i) {
    const std::string& name = set.tensors()[i].name;
    auto& shard = i % 2 ? second : first;
    shard.emplace_back(name, set.tensor(name));
    index["weight_map"][name] =
        i % 2 ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
  }
  second.emplace_back("encoder.embed_tokens.weight", set.tensor("shared.weight"));
  index["weight_map"]["encoder.embed_tokens.weight"] = "model-00002-of-00002.safetensors";
  write_safetensors(dir / "model-00001-of-00002.safetensors", first);
  write_safetensors(dir / "model-00002-of-00002.safetensors", second);
  dir.write("model.safetensors.index.json", index.dump());
  dir.write("config.json", test::read_file(umt5_dir() / "text_encoder" / "config.json"));

  const Umt5Checkpoint ck = open_umt5_checkpoint(dir.path());
  EXPECT_EQ(ck.naming, "transformers");
  EXPECT_EQ(ck.ignored, std::vector<std::string>{"encoder.embed_tokens.weight"});
  Umt5Encoder e = load_umt5_encoder(dir.path());
  const at::Tensor ids = umt5_case("short/input_ids"), mask = umt5_case("short/attention_mask");
  EXPECT_TRUE(at::equal(e.forward(ids, mask), fixture_encoder().forward(ids, mask)));
}

TEST(Umt5Encoder, MismatchedWeightsAreReportedTogether) {
  test::TempDir dir;
  const SafetensorsSet set = SafetensorsSet::open(umt5_dir() / "text_encoder");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& t : set.tensors()) {
    if (t.name == "encoder.block.1.layer.0.SelfAttention.q.weight") continue;  // missing
    at::Tensor v = set.tensor(t.name);
    if (t.name == "encoder.block.0.layer.1.DenseReluDense.wo.weight") v = at::zeros({32, 65});
    tensors.emplace_back(t.name, v);
  }
  tensors.emplace_back("encoder.block.0.layer.0.SelfAttention.extra", at::zeros({2}));
  write_safetensors(dir / "model.safetensors", tensors);
  dir.write("config.json", test::read_file(umt5_dir() / "text_encoder" / "config.json"));
  const std::string e = test::error_of([&] { load_umt5_encoder(dir.path()); });
  EXPECT_TRUE(test::contains_text(e, "1 missing")) << e;
  EXPECT_TRUE(test::contains_text(e, "1 unexpected")) << e;
  EXPECT_TRUE(test::contains_text(e, "1 with the wrong shape")) << e;
  EXPECT_TRUE(test::contains_text(e, "encoder.block.1.layer.0.SelfAttention.q.weight")) << e;
  EXPECT_TRUE(test::contains_text(e, "[32, 65]")) << e;
  EXPECT_TRUE(test::contains_text(e, dir.path().string())) << e;
}

TEST(Umt5Encoder, RejectsIdsOutsideTheVocabulary) {
  const at::Tensor ids = at::full({1, 4}, 1024, at::kLong);
  const std::string e = test::error_of([&] {
    fixture_encoder().forward(ids, at::ones({1, 4}, at::kLong));
  });
  EXPECT_TRUE(test::contains_text(e, "token id 1024 is outside the 1024 embedding rows")) << e;
}

TEST(Umt5Encoder, RejectsSomethingElse) {
  test::TempDir dir;
  write_safetensors(dir / "x.safetensors", {{"blocks.0.attn1.to_q.weight", at::zeros({2, 2})}});
  const std::string e = test::error_of([&] { open_umt5_checkpoint(dir / "x.safetensors"); });
  EXPECT_TRUE(test::contains_text(e, "not a UMT5 text encoder")) << e;
  const std::string m = test::error_of([] { open_umt5_checkpoint("/nonexistent/t5"); });
  EXPECT_TRUE(test::contains_text(m, "no such file")) << m;
}

}  // namespace
}  // namespace reel
