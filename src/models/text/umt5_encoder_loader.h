// Loading the UMT5 text encoder from whatever the user points at, detected automatically:
//   - a diffusers pipeline folder (its `text_encoder` folder);
//   - a transformers folder: config.json + one .safetensors or shards with their index
//     (UMT5EncoderModel names; a tied `encoder.embed_tokens.weight` is accepted);
//   - a single .safetensors (or *.safetensors.index.json) in transformers or official Wan
//     naming (`models_t5_umt5-xxl-enc-bf16.pth` converted to safetensors); without a
//     config.json the config is inferred from the shapes.
// Weights are read through the mmap and converted once to the target dtype and device.
//
//   Umt5LoadOptions options;
//   options.dtype = at::kBFloat16;
//   Umt5Encoder encoder = load_umt5_encoder("Wan2.1-T2V-1.3B-Diffusers", options);
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/safetensors_set.h"
#include "models/text/umt5_encoder.h"

namespace reel {

struct Umt5LoadOptions {
  at::ScalarType dtype = at::kFloat;  // every parameter is converted to this
  at::Device device = at::kCPU;
};

struct Umt5Checkpoint {
  std::filesystem::path path;  // the file or folder that was opened
  SafetensorsSet weights;
  std::string naming;  // "transformers" or "official"
  Umt5Config config;
  std::string config_source;  // the config.json, or "inferred from the tensor shapes"
  // (transformers name, stored name) for every stored tensor the name map knows.
  std::vector<std::pair<std::string, std::string>> names;
  std::vector<std::string> unknown;  // stored names that are not UMT5 encoder weights
  std::vector<std::string> ignored;  // stored names skipped on purpose (tied embed_tokens)
};

// Official Wan name -> transformers name ("blocks.0.ffn.gate.0.weight" ->
// "encoder.block.0.layer.1.DenseReluDense.wi_0.weight"); nullopt for an unknown name.
std::optional<std::string> umt5_official_to_transformers(const std::string& name);
// The inverse.
std::optional<std::string> umt5_transformers_to_official(const std::string& name);

// Throws reel::Error naming the path when it does not exist, holds no weights, or holds
// something other than a UMT5 encoder.
Umt5Checkpoint open_umt5_checkpoint(const std::filesystem::path& path);

// Fills every slot; missing, unexpected and mis-shaped tensors are reported together in one
// reel::Error naming the checkpoint (no slot is filled then). Returns the parameter count.
int64_t fill_umt5_parameters(const Umt5Checkpoint& checkpoint, std::vector<ParameterSlot>& slots,
                             const Umt5LoadOptions& options = {});

// open_umt5_checkpoint + an encoder of its config + fill_umt5_parameters; logs what it loaded.
Umt5Encoder load_umt5_encoder(const std::filesystem::path& path,
                              const Umt5LoadOptions& options = {});

}  // namespace reel
