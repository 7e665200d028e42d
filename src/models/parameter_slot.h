// One weight of a model as its loader sees it: the name it is stored under, the shape the
// model's config demands, and where the model keeps it. Models list their slots; loaders fill
// them from the mmap, so no model is ever held twice.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reel {

struct ParameterSlot {
  std::string name;            // e.g. diffusers "blocks.0.attn1.to_q.weight"
  std::vector<int64_t> shape;  // what the config says it must be
  at::Tensor* tensor;          // undefined until loaded
};

// The device and dtype a loaded model runs in, read off its first loaded weight. Throws
// reel::Error naming `model` when nothing is loaded.
at::TensorOptions loaded_weight_options(const std::vector<ParameterSlot>& slots,
                                        const std::string& model);

}  // namespace reel
