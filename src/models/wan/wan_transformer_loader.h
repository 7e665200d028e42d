// Loading a Wan transformer from whatever the user points at, detected automatically:
//   - a diffusers pipeline folder (the weights in `subfolder`, by default "transformer";
//     "transformer_2" for Wan 2.2's low-noise expert);
//   - a transformer folder: config.json + one .safetensors or shards with their index;
//   - a single .safetensors (or *.safetensors.index.json) in official Wan, ComfyUI
//     (`model.diffusion_model.` / `diffusion_model.` prefix) or diffusers naming; without a
//     config.json the config is inferred from the shapes (wan_config_io.h).
// Weights are read through the mmap and converted once, tensor by tensor, to the target
// dtype and device. On CPU in the stored dtype a parameter is a view of the file's mapping
// (no copy at all; the mapping is copy-on-write, so an in-place change copies only the pages
// it touches); nothing is ever held twice.
//
//   WanLoadOptions options;
//   options.dtype = at::kBFloat16;
//   WanTransformer model = load_wan_transformer("Wan2.1-T2V-1.3B-Diffusers", options);
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
#include "models/checkpoint_layout.h"
#include "models/wan/wan_config.h"
#include "models/wan/wan_transformer.h"

namespace reel {

struct WanLoadOptions {
  at::ScalarType dtype = at::kFloat;  // every parameter is converted to this
  at::Device device = at::kCPU;
  // The transformer's folder within a diffusers pipeline folder ("transformer_2": Wan 2.2's
  // low-noise expert), which must exist; empty: "transformer" if there is one, else the
  // folder itself; "none": the folder itself.
  std::string subfolder;
  // Heads of a single-file checkpoint whose width is not a released size (tiny test models);
  // ignored when a config.json gives num_attention_heads.
  std::optional<int64_t> num_heads;
};

// An opened checkpoint: what it is and which stored tensor holds each diffusers parameter.
struct WanCheckpoint {
  std::filesystem::path path;  // the file or transformer folder that was opened
  SafetensorsSet weights;
  CheckpointLayout layout;  // kind "wan-transformer"; naming diffusers / official / comfyui
  WanConfig config;
  std::string config_source;  // the config.json, or "inferred from the tensor shapes"
  // (diffusers name, stored name) for every stored tensor the name map knows, in file order.
  std::vector<std::pair<std::string, std::string>> names;
  // Stored names that are not Wan transformer weights in the checkpoint's naming.
  std::vector<std::string> unknown;
};

// Resolves `path`, opens its safetensors, checks that they hold a Wan transformer, reads or
// infers the config and maps the names. Throws reel::Error naming the path when it does not
// exist, holds no weights, or holds something other than a Wan transformer.
WanCheckpoint open_wan_checkpoint(const std::filesystem::path& path,
                                  const WanLoadOptions& options = {});

// Fills every slot from the checkpoint, converted to options.dtype / options.device. The
// weights must match the slots exactly: missing, unexpected or mis-shaped tensors are
// reported together in one reel::Error (the first few of each kind, and the counts) naming
// the checkpoint; no slot is filled then. Returns the number of parameters loaded.
int64_t fill_wan_parameters(const WanCheckpoint& checkpoint, std::vector<ParameterSlot>& slots,
                            const WanLoadOptions& options = {});

// open_wan_checkpoint + a WanTransformer of its config + fill_wan_parameters, and logs what
// was loaded.
WanTransformer load_wan_transformer(const std::filesystem::path& path,
                                    const WanLoadOptions& options = {});
// The same from an opened checkpoint, e.g. one whose config was checked first.
WanTransformer load_wan_transformer(const WanCheckpoint& checkpoint,
                                    const WanLoadOptions& options = {});

}  // namespace reel
