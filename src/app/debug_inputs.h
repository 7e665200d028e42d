// The named tensors a `reel debug` command reads from a .safetensors file, with errors that
// name the file, the tensor and what the command expects.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "core/error.h"
#include "core/safetensors.h"

namespace reel {

class DebugInputs {
 public:
  // `prefix` is put before every name (e.g. "case1/" for a fixture's cases file); `expected`
  // describes all the inputs for the hint of every error.
  DebugInputs(const std::string& path, std::string prefix, std::string expected);

  // The tensor `name`; a missing required one is an error listing what the file holds.
  at::Tensor get(const std::string& name, bool required = true) const;
  // An error about input `name`, to throw.
  Error error(const std::string& name, const std::string& message) const;

 private:
  std::string path_, prefix_, expected_;
  SafetensorsFile file_;
};

}  // namespace reel
