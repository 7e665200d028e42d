// Adapter files: saving in the layout asked for and loading whatever layout a file has.
//
// Layouts written (adapter_keys.h):
//   comfyui    Reel's default for LoRA (lora.md §3): original Wan names under
//              `diffusion_model.`, lora_A / lora_B and a float32 scalar `.alpha` per module
//              (plus `.diff_b` for a bias delta). ComfyUI and diffusers load it as is.
//   diffusers  ST's default (`lora_format: diffusers`, §2): PEFT names under `transformer.`,
//              no alpha tensors; header `format: pt` and `lora_adapter_metadata`, the PEFT
//              LoraConfig as JSON (indent 2, sorted keys, every key prefixed `transformer.`),
//              which carries r and lora_alpha.
//   lycoris    LyCORIS' native keys (`lycoris_blocks_0_attn1_to_q.lokr_w1`, `.alpha`) and the
//              `lycoris_config` header (§4); the only layout for LoKr and LoHa.
// Every file also gets `global_step`, the `modelspec.*` keys of §2 (sai_model_spec 1.0.1,
// architecture wan-<flavour>/lora when the flavour is given, implementation diffusers) and
// reel.* keys (base model, flavour, rank, alpha, algorithm, layout); the caller's metadata
// (title, resolution, description, trained_words, ...) is written as given and wins over the
// computed keys.
//
// Loading accepts diffusers/PEFT keys (`transformer.` prefix or none), ComfyUI keys
// (`diffusion_model.` or `model.diffusion_model.`, original or diffusers module names),
// `lora_down` / `lora_up` spellings, musubi-tuner keys (`lora_unet_blocks_0_self_attn_q`),
// and LyCORIS native keys. Alpha: a module's `.alpha` tensor if any (scale = alpha/rank);
// else `lora_adapter_metadata`'s lora_alpha (and alpha_pattern); else options.alpha; else
// alpha = rank, as diffusers and PEFT assume. Alpha is kept, not folded into A and B as
// diffusers does: the merged weights are the same. `.diff_b` (and PEFT's lora_B.bias, times
// the scale) become bias deltas; `.diff` / `.diff_b` of norms are dropped as diffusers does.
// Anything else - an unknown key, a full-weight `.diff` of a Linear, Tucker or DoRA factors
// - is a reel::Error naming the file and the first few keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter_keys.h"
#include "adapters/adapter_weights.h"

namespace reel {

class AdapterNetwork;

struct AdapterSaveOptions {
  AdapterLayout layout = AdapterLayout::kComfyUI;
  std::string base_model;                       // the model trained on (path or hub name)
  std::string flavour;                          // "t2v-480p-1.3b-2.1"
  int64_t step = 0;                             // global_step
  std::map<std::string, std::string> metadata;  // modelspec.title, trained_words, ...
  // For the PEFT LoraConfig of the diffusers layout: lora_dropout, init_lora_weights, and
  // target_modules (empty: the adapted module names without their "blocks.N." prefix).
  double lora_dropout = 0.0;
  std::string lora_init = "default";
  std::vector<std::string> target_modules;
  // The lycoris layout: the config JSON (`lycoris_config` header) and LyCORIS' lora_prefix.
  std::string lycoris_config;
  std::string lycoris_prefix = "lycoris";
};

// Writes `weights` (by diffusers module name) atomically. Throws reel::Error for LoKr/LoHa
// modules in a LoRA layout, a lycoris layout without lycoris_config, and write failures.
void save_adapter_file(const std::filesystem::path& path, const AdapterWeightSet& weights,
                       const AdapterSaveOptions& options);

// save_adapter_file for a network: a LyCORIS network is written in the lycoris layout with
// its config whatever options.layout says.
void save_adapter_network(const std::filesystem::path& path, const AdapterNetwork& network,
                          AdapterSaveOptions options);

struct AdapterLoadOptions {
  // Alpha for LoRA modules of a file with neither `.alpha` tensors nor alpha metadata.
  std::optional<double> alpha;
};

struct AdapterFile {
  std::filesystem::path path;
  std::string format;        // "diffusers", "comfyui", "musubi" or "lycoris" (of the first key)
  AdapterWeightSet modules;  // by diffusers module name
  std::map<std::string, std::string> metadata;
};

AdapterFile load_adapter_file(const std::filesystem::path& path,
                              const AdapterLoadOptions& options = {});

}  // namespace reel
