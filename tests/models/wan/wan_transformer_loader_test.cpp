// Reading Wan checkpoints into parameter slots, without running the model: the slots are
// named and shaped as the diffusers fixture (FakeSlots); wan_transformer_load_test.cpp loads
// the model itself.
#include "models/wan/wan_transformer_loader.h"

#include <gtest/gtest.h>

#include "core/safetensors_writer.h"
#include "models/wan/wan_config_io.h"
#include "models/wan/wan_test_support.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::contains_text;
using test::error_of;
using test::FakeSlots;
using test::fixture;

using Tensors = std::vector<std::pair<std::string, at::Tensor>>;

WanLoadOptions tiny(at::ScalarType dtype = at::kFloat) {
  WanLoadOptions o;
  o.num_heads = 4;  // the fixtures' width (64) is not a released one
  o.dtype = dtype;
  return o;
}

// Every tensor of a file, with `prefix` put in front of each name.
Tensors tensors_of(const fs::path& file, const std::string& prefix = "") {
  SafetensorsSet set = SafetensorsSet::open(file);
  Tensors out;
  for (const auto& t : set.tensors()) out.emplace_back(prefix + t.name, set.tensor(t.name));
  return out;
}

// A copy of the fixture's diffusers transformer folder, with `tensors` as its weights.
fs::path diffusers_copy(const test::TempDir& tmp, const test::WanFixture& f,
                        const Tensors& tensors) {
  fs::path dir = tmp / "model" / "transformer";
  fs::create_directories(dir);
  fs::copy_file(fixture(f.dir) / f.subfolder / "config.json", dir / "config.json");
  write_safetensors(dir / "diffusion_pytorch_model.safetensors", tensors);
  return tmp / "model";
}

fs::path diffusers_file(const test::WanFixture& f) {
  return fixture(f.dir) / f.subfolder / "diffusion_pytorch_model.safetensors";
}

// Loads `path` into slots shaped as the fixture; name -> tensor.
std::map<std::string, at::Tensor> load(const fs::path& path, const test::WanFixture& f,
                                       const WanLoadOptions& options) {
  WanCheckpoint ck = open_wan_checkpoint(path, options);
  FakeSlots s(fixture(f.dir) / f.subfolder);
  fill_wan_parameters(ck, s.slots, options);
  std::map<std::string, at::Tensor> out;
  for (const auto& slot : s.slots) out[slot.name] = *slot.tensor;
  return out;
}

void expect_identical(const std::map<std::string, at::Tensor>& a,
                      const std::map<std::string, at::Tensor>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(t.defined()) << what << ": " << name;
    ASSERT_TRUE(b.at(name).defined()) << what << ": " << name;
    EXPECT_TRUE(at::equal(t, b.at(name))) << what << ": " << name;
  }
}

TEST(WanCheckpoint, DiffusersFolderAndOfficialFileGiveIdenticalParameters) {
  for (const auto& f : test::wan_fixtures()) {
    WanLoadOptions o = tiny();
    o.subfolder = f.subfolder;
    WanCheckpoint d = open_wan_checkpoint(fixture(f.dir), o);
    EXPECT_EQ(d.layout.naming, "diffusers");
    EXPECT_EQ(d.path, fixture(f.dir) / f.subfolder);
    EXPECT_EQ(d.config_source, (fixture(f.dir) / f.subfolder / "config.json").string());
    WanCheckpoint official = open_wan_checkpoint(fixture(f.dir) / f.original, o);
    EXPECT_EQ(official.layout.naming, "official");
    EXPECT_EQ(official.config_source, "inferred from the tensor shapes");
    EXPECT_EQ(official.config, d.config) << f.original;
    EXPECT_TRUE(official.unknown.empty());

    auto from_folder = load(fixture(f.dir), f, o);
    auto from_official = load(fixture(f.dir) / f.original, f, o);
    expect_identical(from_folder, from_official, f.original);
    // And against the file itself, read independently.
    SafetensorsSet set = SafetensorsSet::open(diffusers_file(f));
    for (const auto& [name, t] : from_folder) EXPECT_TRUE(at::equal(t, set.tensor(name))) << name;
  }
}

TEST(WanCheckpoint, TransformerFolderAndItsFileLoadDirectly) {
  const auto& f = test::wan_fixtures()[0];
  auto a = load(fixture(f.dir) / "transformer", f, tiny());
  auto b = load(diffusers_file(f), f, tiny());
  auto c = load(fixture(f.dir) / f.original, f, tiny());
  expect_identical(a, b, "file");
  expect_identical(a, c, "original");
}

TEST(WanCheckpoint, ComfyUiPrefixesAreStripped) {
  for (const auto& f : test::wan_fixtures()) {
    test::TempDir tmp;
    auto expected = load(fixture(f.dir) / f.original, f, tiny());
    for (const char* prefix : {"model.diffusion_model.", "diffusion_model."}) {
      fs::path file = tmp / (std::string(prefix) + "safetensors");
      write_safetensors(file, tensors_of(fixture(f.dir) / f.original, prefix));
      WanCheckpoint ck = open_wan_checkpoint(file, tiny());
      EXPECT_EQ(ck.layout.naming, "comfyui");
      EXPECT_EQ(ck.layout.prefix, prefix);
      expect_identical(load(file, f, tiny()), expected, prefix);
    }
  }
}

TEST(WanCheckpoint, ComfyUiFileWithOtherModelsKeepsTheTransformer) {
  const auto& f = test::wan_fixtures()[0];
  test::TempDir tmp;
  Tensors t = tensors_of(fixture(f.dir) / f.original, "model.diffusion_model.");
  t.emplace_back("first_stage_model.decoder.conv1.weight", at::ones({2, 2}));
  t.emplace_back("cond_stage_model.shared.weight", at::ones({3}));
  fs::path file = tmp / "all_in_one.safetensors";
  write_safetensors(file, t);
  expect_identical(load(file, f, tiny()), load(fixture(f.dir) / f.original, f, tiny()), "aio");
}

TEST(WanCheckpoint, ShardedFolderWithIndex) {
  const auto& f = test::wan_fixtures()[1];
  test::TempDir tmp;
  Tensors all = tensors_of(diffusers_file(f));
  Tensors first(all.begin(), all.begin() + all.size() / 2),
      second(all.begin() + all.size() / 2, all.end());
  fs::path dir = tmp / "transformer";
  fs::create_directories(dir);
  fs::copy_file(fixture(f.dir) / "transformer/config.json", dir / "config.json");
  write_safetensors(dir / "diffusion_pytorch_model-00001-of-00002.safetensors", first);
  write_safetensors(dir / "diffusion_pytorch_model-00002-of-00002.safetensors", second);
  nlohmann::json index;
  index["metadata"] = {{"total_size", 0}};
  for (const auto& [n, _] : first) {
    index["weight_map"][n] = "diffusion_pytorch_model-00001-of-00002.safetensors";
  }
  for (const auto& [n, _] : second) {
    index["weight_map"][n] = "diffusion_pytorch_model-00002-of-00002.safetensors";
  }
  tmp.write("transformer/diffusion_pytorch_model.safetensors.index.json", index.dump());
  WanCheckpoint ck = open_wan_checkpoint(tmp.path(), tiny());
  EXPECT_EQ(ck.weights.files().size(), 2u);
  expect_identical(load(tmp.path(), f, tiny()), load(fixture(f.dir), f, tiny()), "sharded");
}

TEST(WanCheckpoint, Fp32LoadsAreViewsOfTheMapping) {
  for (const auto& f : test::wan_fixtures()) {
    for (const fs::path& path : {fixture(f.dir) / f.subfolder, fixture(f.dir) / f.original}) {
      WanCheckpoint ck = open_wan_checkpoint(path, tiny());
      FakeSlots s(fixture(f.dir) / f.subfolder);
      fill_wan_parameters(ck, s.slots, tiny());
      std::map<std::string, std::string> stored(ck.names.begin(), ck.names.end());
      for (const auto& slot : s.slots) {
        at::Tensor file_view = ck.weights.tensor(stored.at(slot.name));
        EXPECT_EQ(slot.tensor->data_ptr(), file_view.data_ptr()) << path << ": " << slot.name;
      }
    }
  }
}

TEST(WanCheckpoint, OtherDtypesAreConvertedOnce) {
  const auto& f = test::wan_fixtures()[0];
  auto fp32 = load(fixture(f.dir), f, tiny());
  for (at::ScalarType dtype : {at::kBFloat16, at::kHalf}) {
    auto converted = load(fixture(f.dir) / f.original, f, tiny(dtype));
    for (const auto& [name, t] : converted) {
      EXPECT_EQ(t.scalar_type(), dtype) << name;
      EXPECT_TRUE(at::equal(t, fp32.at(name).to(dtype))) << name;
    }
  }
}

TEST(WanCheckpoint, OfficialRepoConfigGivesTheHeadCount) {
  // The official release ships config.json with "num_heads" beside official-named shards.
  const auto& f = test::wan_fixtures()[0];
  test::TempDir tmp;
  fs::copy_file(fixture(f.dir) / f.original, tmp / "diffusion_pytorch_model.safetensors");
  tmp.write("config.json", R"({"_class_name": "WanModel", "dim": 64, "num_heads": 4})");
  WanCheckpoint ck = open_wan_checkpoint(tmp.path(), {});
  EXPECT_EQ(ck.config.num_attention_heads, 4);
  EXPECT_EQ(ck.config, open_wan_checkpoint(fixture(f.dir), {}).config);
}

TEST(WanCheckpoint, MissingTensorsAreListedWithCounts) {
  const auto& f = test::wan_fixtures()[0];
  test::TempDir tmp;
  Tensors t = tensors_of(diffusers_file(f));
  Tensors kept;
  for (auto& [n, v] : t) {
    if (n != "blocks.1.attn1.to_q.weight" && n != "proj_out.bias") kept.emplace_back(n, v);
  }
  fs::path model = diffusers_copy(tmp, f, kept);
  std::string e = error_of([&] { load(model, f, tiny()); });
  EXPECT_TRUE(contains_text(e, (model / "transformer").string())) << e;
  EXPECT_TRUE(contains_text(e, "2 missing")) << e;
  EXPECT_TRUE(contains_text(e, "missing (2): ")) << e;
  EXPECT_TRUE(contains_text(e, "blocks.1.attn1.to_q.weight")) << e;
  EXPECT_TRUE(contains_text(e, "proj_out.bias")) << e;
  EXPECT_FALSE(contains_text(e, "unexpected")) << e;
}

TEST(WanCheckpoint, MissingOfficialTensorsAreNamedInBothNamings) {
  const auto& f = test::wan_fixtures()[0];
  test::TempDir tmp;
  Tensors kept;
  for (auto& [n, v] : tensors_of(fixture(f.dir) / f.original, "model.diffusion_model.")) {
    if (n.find("blocks.1.") == std::string::npos) kept.emplace_back(n, v);  // drop a block
  }
  fs::path file = tmp / "comfy.safetensors";
  write_safetensors(file, kept);
  // The layer count is inferred as 1, so the fixture's 2-layer slots miss a whole block.
  WanCheckpoint ck = open_wan_checkpoint(file, tiny());
  EXPECT_EQ(ck.config.num_layers, 1);
  FakeSlots s(fixture(f.dir) / f.subfolder);
  std::string e = error_of([&] { fill_wan_parameters(ck, s.slots, tiny()); });
  EXPECT_TRUE(contains_text(e, file.string())) << e;
  EXPECT_TRUE(contains_text(e, "missing (27): ")) << e;
  EXPECT_TRUE(contains_text(e, "... and 22 more")) << e;
  EXPECT_TRUE(contains_text(e,
                            "model.diffusion_model.blocks.1.self_attn.norm_k.weight (diffusers "
                            "blocks.1.attn1.norm_k.weight)"))
      << e;
  for (const auto& slot : s.slots) EXPECT_FALSE(slot.tensor->defined()) << slot.name;
}

TEST(WanCheckpoint, UnexpectedAndMisShapedTensorsAreListedTogether) {
  const auto& f = test::wan_fixtures()[1];
  test::TempDir tmp;
  Tensors t;
  for (auto& [n, v] : tensors_of(fixture(f.dir) / f.original)) {
    if (n == "blocks.0.self_attn.o.weight") {
      t.emplace_back(n, at::zeros({64, 32}));
    } else if (n == "time_projection.1.bias") {
      t.emplace_back(n, at::zeros({3, 64}));
    } else {
      t.emplace_back(n, v);
    }
  }
  t.emplace_back("blocks.0.self_attn.extra.weight", at::zeros({4}));    // not a Wan name
  t.emplace_back("blocks.0.self_attn.q.scale_weight", at::zeros({1}));  // fp8 scaled
  fs::path file = tmp / "bad.safetensors";
  write_safetensors(file, t);
  std::string e = error_of([&] { load(file, f, tiny()); });
  EXPECT_TRUE(contains_text(e, file.string())) << e;
  EXPECT_TRUE(contains_text(e, "2 unexpected, 2 with the wrong shape")) << e;
  EXPECT_TRUE(contains_text(e, "blocks.0.self_attn.extra.weight")) << e;
  EXPECT_TRUE(contains_text(e, "blocks.0.self_attn.q.scale_weight")) << e;
  EXPECT_TRUE(contains_text(e, "blocks.0.self_attn.o.weight [64, 32] (expected [64, 64])")) << e;
  EXPECT_TRUE(contains_text(e, "time_projection.1.bias [3, 64] (expected [384])")) << e;
  EXPECT_FALSE(contains_text(e, "missing")) << e;
}

TEST(WanCheckpoint, ExtraDiffusersTensorIsUnexpected) {
  const auto& f = test::wan_fixtures()[0];
  test::TempDir tmp;
  Tensors t = tensors_of(diffusers_file(f));
  t.emplace_back("blocks.0.attn1.to_q.weight_scale", at::zeros({1}));
  fs::path model = diffusers_copy(tmp, f, t);
  std::string e = error_of([&] { load(model, f, tiny()); });
  EXPECT_TRUE(contains_text(e, "1 unexpected")) << e;
  EXPECT_TRUE(contains_text(e, "unexpected (1): blocks.0.attn1.to_q.weight_scale")) << e;
}

TEST(WanCheckpoint, NotAWanTransformer) {
  for (const char* other :
       {"wan21_vae_tiny/vae", "umt5_tiny/text_encoder",
        "wan21_vae_tiny/wan21_vae_tiny_original.safetensors", "lora/lora_comfy.safetensors"}) {
    fs::path p = fixture(other);
    std::string e = error_of([&] { open_wan_checkpoint(p, tiny()); });
    EXPECT_TRUE(contains_text(e, "not a Wan transformer checkpoint")) << other << ": " << e;
    EXPECT_TRUE(contains_text(e, p.string())) << other << ": " << e;
  }
  test::TempDir tmp;
  write_safetensors(tmp / "x.safetensors", {{"foo.weight", at::zeros({2})}});
  std::string e = error_of([&] { open_wan_checkpoint(tmp / "x.safetensors", tiny()); });
  EXPECT_TRUE(contains_text(e, "not a Wan transformer checkpoint: not recognised")) << e;
  EXPECT_TRUE(contains_text(e, (tmp / "x.safetensors").string())) << e;
}

TEST(WanCheckpoint, PathErrors) {
  std::string e = error_of([] { open_wan_checkpoint("/no/such/model", {}); });
  EXPECT_TRUE(contains_text(e, "/no/such/model: no such file or folder")) << e;

  test::TempDir tmp;
  tmp.write("model_index.json", R"({"_class_name": "WanPipeline"})");
  e = error_of([&] { open_wan_checkpoint(tmp.path(), {}); });
  EXPECT_TRUE(contains_text(e, "has no 'transformer' folder")) << e;

  WanLoadOptions o = tiny();
  o.subfolder = "transformer_3";  // named explicitly: must exist
  e = error_of([&] { open_wan_checkpoint(fixture("wan22_i2v_tiny"), o); });
  EXPECT_TRUE(contains_text(e, "has no 'transformer_3' folder")) << e;

  // The official file without a head count for its non-released width.
  e = error_of([] {
    open_wan_checkpoint(fixture("wan21_t2v_tiny/wan21_t2v_tiny_original.safetensors"), {});
  });
  EXPECT_TRUE(contains_text(e, "num_heads")) << e;
}

}  // namespace
}  // namespace reel
