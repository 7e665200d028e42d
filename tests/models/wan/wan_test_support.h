// Shared by the Wan model tests: the fixture paths, the key maps and slots that stand in for
// a model's parameters() where only the loading is tested.
#pragma once

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/safetensors_set.h"
#include "models/wan/wan_transformer.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(REEL_FIXTURES_DIR) / relative;
}

// The fixture directories with a transformer, each with its official single file.
struct WanFixture {
  std::string dir;        // under fixtures/
  std::string subfolder;  // the diffusers transformer folder
  std::string original;   // the official single file
};

inline const std::vector<WanFixture>& wan_fixtures() {
  static const std::vector<WanFixture> kAll = {
      {"wan21_t2v_tiny", "transformer", "wan21_t2v_tiny_original.safetensors"},
      {"wan21_i2v_tiny", "transformer", "wan21_i2v_tiny_original.safetensors"},
      {"wan22_i2v_tiny", "transformer", "wan22_i2v_tiny_original.safetensors"},
      {"wan22_i2v_tiny", "transformer_2", "wan22_i2v_tiny_low_original.safetensors"},
  };
  return kAll;
}

inline nlohmann::json read_json_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// official name -> diffusers name, from diffusers' convert script (key_map.json).
inline std::map<std::string, std::string> key_map(const std::string& dir) {
  auto j = read_json_file(fixture(dir) / "key_map.json");
  return j.at("official_to_diffusers").get<std::map<std::string, std::string>>();
}

// Parameter slots named and shaped as the tensors of a diffusers transformer folder: what a
// model's parameters() gives, without needing the model.
struct FakeSlots {
  std::deque<at::Tensor> storage;
  std::vector<ParameterSlot> slots;

  explicit FakeSlots(const std::filesystem::path& diffusers_folder) {
    SafetensorsSet set = SafetensorsSet::open(diffusers_folder);
    for (const auto& t : set.tensors()) {
      storage.emplace_back();
      slots.push_back({t.name, t.shape, &storage.back()});
    }
  }
};

}  // namespace reel::test
