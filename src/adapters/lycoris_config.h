// The `lycoris_config` JSON file of a LyCORIS run (ST's lycoris_config.json, lora.md §4):
//
//   {"algo": "lokr", "multiplier": 1.0, "full_matrix": true, "linear_alpha": 1, "factor": 16,
//    "apply_preset": {"target_module": ["Attention", "FeedForward"],
//                     "module_algo_map": {"Attention": {"factor": 16},
//                                         "FeedForward": {"factor": 8}}}}
//
// Required: algo, multiplier, linear_alpha, and linear_dim unless full_matrix is true.
// Unlike ST, which casts multiplier, linear_dim and linear_alpha with int() (so a multiplier
// of 0.5 becomes 0), Reel reads multiplier and linear_alpha as floats.
// apply_preset is LyCORIS' LycorisNetwork.apply_preset: an unknown key is an error there
// (KeyError) and here. `preset` names one of LyCORIS' presets; for Wan they change nothing
// Reel uses (they only switch convolution adapters, and Reel adapts Linears only).
// Keys for LyCORIS features Reel does not implement are accepted only with their default
// value; keys LyCORIS ignores for Linears (conv_dim, use_tucker, ...) are accepted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_weights.h"

namespace reel {

// What a module_algo_map / name_algo_map entry sets; the rest comes from the top level.
struct LycorisModuleSettings {
  std::optional<AdapterAlgo> algo;
  std::optional<int64_t> dim;
  std::optional<double> alpha;
  std::optional<int64_t> factor;
  std::optional<bool> full_matrix;
  std::optional<bool> decompose_both;
  std::optional<bool> unbalanced_factorization;
};

struct LycorisConfig {
  AdapterAlgo algo = AdapterAlgo::kLoKr;  // lokr, loha, locon ("lora" is LyCORIS' locon)
  double multiplier = 1.0;
  int64_t linear_dim = 4;  // LyCORIS' default when absent (only with full_matrix)
  double linear_alpha = 1.0;
  int64_t factor = -1;
  bool full_matrix = false;
  bool decompose_both = false;
  bool unbalanced_factorization = false;
  std::string preset = "full";

  // apply_preset. The default targets are LyCORIS' TARGET_REPLACE_MODULE.
  std::vector<std::string> target_module = {"Linear", "Conv1d",    "Conv2d",
                                            "Conv3d", "GroupNorm", "LayerNorm"};
  std::vector<std::string> target_name;   // regexes matched at the start (re.match) ...
  std::vector<std::string> exclude_name;  // ... or fnmatch patterns with use_fnmatch
  std::vector<std::pair<std::string, LycorisModuleSettings>> module_algo_map;  // by class
  std::vector<std::pair<std::string, LycorisModuleSettings>> name_algo_map;    // by path
  bool use_fnmatch = false;
  std::string lora_prefix = "lycoris";  // file keys are <lora_prefix>_<module_path_>.<factor>

  std::string source;  // the file (or "lycoris_config") named in errors
  std::string json;    // the config as read, compact, for the saved file's metadata
};

// Parses `json_text`; `source` names it in errors. Throws reel::Error naming the key, the
// value and what is expected.
LycorisConfig parse_lycoris_config(const std::string& json_text,
                                   const std::string& source = "lycoris_config");
LycorisConfig read_lycoris_config(const std::filesystem::path& path);

// "lokr", "loha", "locon" or "lora" (= locon); other LyCORIS algorithms and unknown names
// throw reel::Error.
AdapterAlgo parse_lycoris_algo(const std::string& name, const std::string& source);

}  // namespace reel
