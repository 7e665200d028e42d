// Shared by the adapter tests: the tiny Wan 2.1 T2V transformer and the LoRA fixture
// (shared/fixtures/lora, README "transformer"), and small tensor helpers.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <string>

#include "core/safetensors_set.h"
#include "models/wan/wan_transformer.h"
#include "models/wan/wan_transformer_loader.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path fixtures_dir() {
  return REEL_FIXTURES_DIR;
}
inline std::filesystem::path lora_fixture(const std::string& name) {
  return fixtures_dir() / "lora" / name;
}

// wan21_t2v_tiny from its diffusers folder (the LoRA fixture's base model).
inline WanTransformer tiny_t2v() {
  WanLoadOptions o;
  o.num_heads = 4;
  return load_wan_transformer(fixtures_dir() / "wan21_t2v_tiny", o);
}

inline WanInputs lora_case1() {
  const SafetensorsSet cases = SafetensorsSet::open(lora_fixture("cases.safetensors"));
  WanInputs in;
  in.hidden_states = cases.tensor("case1/hidden_states").clone();
  in.timestep = cases.tensor("case1/timestep").clone();
  in.encoder_hidden_states = cases.tensor("case1/encoder_hidden_states").clone();
  return in;
}

inline at::Tensor lora_expected(const std::string& name) {
  return SafetensorsSet::open(lora_fixture("cases.safetensors")).tensor("case1/" + name).clone();
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

inline at::Generator cpu_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

}  // namespace reel::test
