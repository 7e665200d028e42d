// How adapter files spell a tensor's key, per layout (lora.md §2-4), for a module given by
// its diffusers name and a tensor by its AdapterWeights name:
//   comfyui    diffusion_model.blocks.0.self_attn.q.lora_A.weight, ....alpha, ....diff_b
//   diffusers  transformer.blocks.0.attn1.to_q.lora_A.weight, ....lora_B.bias
//   lycoris    lycoris_blocks_0_attn1_to_q.lokr_w1, ....lora_down.weight, ....alpha
#pragma once

#include <string>

namespace reel {

enum class AdapterLayout { kComfyUI, kDiffusers, kLycoris };

// "comfyui", "diffusers" (ST's lora_format), "lycoris"; other names throw reel::Error.
AdapterLayout parse_adapter_layout(const std::string& name);
std::string adapter_layout_name(AdapterLayout layout);

// The key of `tensor` ("lora_A", "lora_B", "lokr_w1", ..., "alpha", "bias") of `module`.
// `lycoris_prefix` is LyCORIS' lora_prefix ("lycoris"). Throws reel::Error for a module
// that has no official name (comfyui).
std::string adapter_key(AdapterLayout layout, const std::string& module, const std::string& tensor,
                        const std::string& lycoris_prefix = "lycoris");

}  // namespace reel
