// Test-local access to shared/fixtures/umt5_tiny: paths, fixture.json and cases.safetensors.
#pragma once

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/safetensors_set.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path umt5_dir() {
  return std::filesystem::path(REEL_FIXTURES_DIR) / "umt5_tiny";
}

inline const nlohmann::json& umt5_fixture() {
  static const nlohmann::json j = [] {
    std::ifstream in(umt5_dir() / "fixture.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

inline const SafetensorsSet& umt5_cases() {
  static const SafetensorsSet set = SafetensorsSet::open(umt5_dir() / "cases.safetensors");
  return set;
}

inline at::Tensor umt5_case(const std::string& name) {
  return umt5_cases().tensor(name).clone();
}

inline int64_t umt5_text_len(const std::string& group) {
  return umt5_fixture().at("groups").at(group).at("text_len").get<int64_t>();
}

inline std::vector<std::string> umt5_raw_prompts(const std::string& group) {
  std::vector<std::string> out;
  for (const auto& p : umt5_fixture().at("groups").at(group).at("prompts")) {
    out.push_back(p.at("raw").get<std::string>());
  }
  return out;
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace reel::test
