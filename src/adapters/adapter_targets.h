// Which Linears of a Wan transformer an adapter network wraps, and with which settings.
//
// Standard LoRA follows PEFT: a module is a target when its name equals one of
// target_modules or ends with "." + one of them, so "to_q" hits attn1.to_q and attn2.to_q of
// every block (lora.md §1).
//
// LyCORIS follows LycorisNetwork's walk over the module tree (lycoris/wrapper.py), on the
// tree of diffusers' WanTransformer3DModel with its class names: WanTransformer3DModel >
// patch_embedding (Conv3d), condition_embedder (WanTimeTextImageEmbedding > time_embedder
// (TimestepEmbedding), time_proj, text_embedder (PixArtAlphaTextProjection), image_embedder
// (WanImageEmbedding > ff (FeedForward))), blocks.N (WanTransformerBlock > attn1, attn2
// (Attention), ffn (FeedForward > net.0 (GELU) > proj, net.2)), proj_out; Linears are
// "Linear". In pre-order, a module whose class is in target_module (or module_algo_map) and
// whose path matches no target_name gets every Linear inside it adapted (module_algo_map
// settings of the class, or of a nested class, apply); a module whose path matches a
// target_name (re.match, or fnmatch) is adapted itself if it is a Linear, with its
// name_algo_map settings. exclude_name skips a module where the walk meets it; as in
// LyCORIS it is not consulted inside a targeted class, so with "Attention" targeted,
// excluding "blocks\.0\.attn1\.to_q" keeps nothing out: exclude "blocks\.0\.attn1" instead.
// Reel adapts Linears only: the patch_embedding Conv3d, which LyCORIS' default targets
// include, gets no adapter, so the default LyCORIS network has one module fewer than ST's
// (wan21_t2v_tiny: 26 instead of 27).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/adapter_weights.h"
#include "adapters/lycoris_config.h"

namespace reel {

// ST's Wan.DEFAULT_LORA_TARGET.
std::vector<std::string> default_lora_target_modules();

// The names among `linear_names` (WanTransformer::linears() order) that PEFT would wrap.
// Throws reel::Error when none matches, naming the targets.
std::vector<std::string> select_lora_targets(const std::vector<std::string>& linear_names,
                                             const std::vector<std::string>& target_modules);

// One LyCORIS module to create: the Linear and its resolved settings.
struct LycorisModulePlan {
  std::string name;  // diffusers module name
  AdapterAlgo algo = AdapterAlgo::kLoKr;
  int64_t dim = 4;
  double alpha = 1.0;
  int64_t factor = -1;
  bool full_matrix = false;
  bool decompose_both = false;
  bool unbalanced_factorization = false;
};

// The modules LyCORIS would create for `config` on a model with `linear_names`, in LyCORIS'
// creation order. Throws reel::Error (naming config.source) for a class name that is no
// Wan module class, and when nothing matches.
std::vector<LycorisModulePlan> plan_lycoris_modules(const std::vector<std::string>& linear_names,
                                                    const LycorisConfig& config);

}  // namespace reel
