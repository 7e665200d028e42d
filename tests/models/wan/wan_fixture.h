// Test-local access to the Wan transformer fixtures (shared/fixtures/wan2*_tiny): the config
// and diffusers weights of transformer/ (or transformer_2/) and the cases' tensors. The real
// loader lives in wan_transformer_loader.*; this one only copies tensors by name.
#pragma once

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "core/safetensors_set.h"
#include "models/wan/wan_transformer.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path wan_fixture_dir(const std::string& name) {
  return std::filesystem::path(REEL_FIXTURES_DIR) / name;
}

inline WanConfig wan_config_from(const std::filesystem::path& config_json) {
  std::ifstream in(config_json);
  const nlohmann::json j = nlohmann::json::parse(in);
  WanConfig c;
  c.in_channels = j.at("in_channels");
  c.out_channels = j.at("out_channels");
  c.num_attention_heads = j.at("num_attention_heads");
  c.attention_head_dim = j.at("attention_head_dim");
  c.ffn_dim = j.at("ffn_dim");
  c.freq_dim = j.at("freq_dim");
  c.text_dim = j.at("text_dim");
  c.num_layers = j.at("num_layers");
  for (int i = 0; i < 3; ++i) c.patch_size[i] = j.at("patch_size").at(i);
  c.eps = j.at("eps");
  c.cross_attn_norm = j.at("cross_attn_norm");
  c.qk_norm = j.at("qk_norm");
  if (!j.at("image_dim").is_null()) c.image_dim = j.at("image_dim").get<int64_t>();
  if (!j.at("added_kv_proj_dim").is_null()) {
    c.added_kv_proj_dim = j.at("added_kv_proj_dim").get<int64_t>();
  }
  return c;
}

// Copies every tensor of `dir` (diffusers layout) into the model's slot of the same name,
// failing the test unless the names and shapes match exactly.
inline void load_wan_weights(WanTransformer& model, const std::filesystem::path& dir) {
  const SafetensorsSet set = SafetensorsSet::open(dir);
  std::set<std::string> in_file, in_model;
  for (const TensorInfo& info : set.tensors()) in_file.insert(info.name);
  for (ParameterSlot& slot : model.parameters()) {
    in_model.insert(slot.name);
    ASSERT_TRUE(set.contains(slot.name)) << slot.name;
    const at::Tensor t = set.tensor(slot.name);
    ASSERT_EQ(t.sizes().vec(), slot.shape) << slot.name;
    *slot.tensor = t.clone();
  }
  ASSERT_EQ(in_file, in_model);
}

inline WanTransformer load_wan_fixture_model(const std::string& fixture,
                                             const std::string& subdir) {
  const auto dir = wan_fixture_dir(fixture) / subdir;
  WanTransformer model(wan_config_from(dir / "config.json"));
  load_wan_weights(model, dir);
  return model;
}

inline WanInputs wan_case_inputs(const SafetensorsSet& cases, const std::string& prefix) {
  WanInputs in;
  in.hidden_states = cases.tensor(prefix + "/hidden_states").clone();
  in.timestep = cases.tensor(prefix + "/timestep").clone();
  in.encoder_hidden_states = cases.tensor(prefix + "/encoder_hidden_states").clone();
  if (cases.contains(prefix + "/encoder_hidden_states_image")) {
    in.encoder_hidden_states_image = cases.tensor(prefix + "/encoder_hidden_states_image").clone();
  }
  return in;
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace reel::test
