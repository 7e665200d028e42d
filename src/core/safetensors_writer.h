// Writing .safetensors files, readable by SafetensorsFile and by the reference
// implementation (Python's safetensors, ComfyUI, diffusers).
//
//   write_safetensors(out / "lora.safetensors", {{"a.weight", a}, {"b.weight", b}},
//                     {{"ss_network_dim", "16"}});
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reel {

// Writes `tensors` (any device, any strides; each is copied to CPU and made contiguous one
// at a time while writing) and the string metadata as "__metadata__". The header lists the
// tensors in the order given; the data is laid out by element size, largest first, so that
// every tensor is aligned for its dtype, and the header is padded with spaces to a multiple of
// 8 bytes. The file is written atomically (core/atomic_file.h).
//
// Throws reel::Error naming the file and the tensor for a dtype safetensors cannot hold here
// (see core/dtype.h), a duplicate or reserved name, an undefined, sparse or meta tensor, and
// for any write failure.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The bytes write_safetensors() would write, in memory (for a caller that compresses them
// before writing). Same checks; its errors name the tensor but no file.
std::string safetensors_bytes(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace reel
