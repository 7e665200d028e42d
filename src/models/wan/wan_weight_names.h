// Wan transformer weight names in the two namings Reel meets:
//   official  the Wan 2.1 / 2.2 release (`WanModel.state_dict()`), which ComfyUI files also
//             use under a `model.diffusion_model.` or `diffusion_model.` prefix;
//   diffusers WanTransformer3DModel, the names Reel's model uses.
// The map is by rules on the name's parts (blocks.N., the module path, the parameter), so it
// also maps module names without a parameter ("blocks.3.self_attn.q" -> "blocks.3.attn1.to_q"),
// which adapters (LoRA keys) need.
//
//   wan_official_to_diffusers("model.diffusion_model.blocks.0.norm3.weight")
//       == "blocks.0.norm2.weight"
//   wan_diffusers_to_official("blocks.0.attn2.add_k_proj.weight")
//       == "blocks.0.cross_attn.k_img.weight"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reel {

// The prefixes ComfyUI puts before the official names, longest first.
inline constexpr std::string_view kWanComfyPrefixes[] = {"model.diffusion_model.",
                                                         "diffusion_model."};

// `name` without a leading ComfyUI prefix (unchanged when it has none).
std::string_view strip_wan_comfy_prefix(std::string_view name);

// The diffusers name of an official (or ComfyUI-prefixed) weight or module name; nullopt when
// the name is not part of a Wan transformer (e.g. a diffusers name, or a typo).
std::optional<std::string> wan_official_to_diffusers(std::string_view name);

// The official name of a diffusers weight or module name; nullopt when it is not one.
std::optional<std::string> wan_diffusers_to_official(std::string_view name);

// The ComfyUI name ("diffusion_model." + official) of a diffusers name; nullopt as above.
std::optional<std::string> wan_diffusers_to_comfy(std::string_view name);

}  // namespace reel
