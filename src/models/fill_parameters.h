// Fills a model's parameter slots from a checkpoint: each slot is matched to its stored
// tensor by name, every mismatch is reported at once (WeightMismatch), and each tensor goes
// from the mmap to the target dtype and device once (a zero-copy view when they already fit).
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/safetensors_set.h"
#include "models/parameter_slot.h"

namespace reel {

struct StoredWeights {
  const SafetensorsSet* weights = nullptr;
  std::vector<std::pair<std::string, std::string>> names;  // model name -> name in the file
  std::vector<std::string> unknown;  // names in the file that map to no model name
  // How a model name is shown in "missing" (e.g. with the file's own naming beside it).
  std::function<std::string(const std::string&)> shown = [](const std::string& n) { return n; };
};

struct FillOptions {
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
  std::string model;  // "this Wan transformer (...)": what the weights must fit
  std::string hint;   // why they may not (config source, likely causes)
};

// Returns the number of parameters filled; throws reel::Error naming the file, with the
// WeightMismatch summary, and fills nothing when the weights do not fit.
int64_t fill_parameters(const StoredWeights& stored, std::vector<ParameterSlot>& slots,
                        const FillOptions& options);

}  // namespace reel
