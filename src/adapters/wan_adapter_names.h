// Names of the Wan transformer Linears that adapters wrap, in the spellings adapter files
// use. Reel names a module by its diffusers name ("blocks.0.attn1.to_q"); files also use
//   official names            blocks.0.self_attn.q            (ComfyUI, after its prefix)
//   flattened names           blocks_0_self_attn_q            (musubi `lora_unet_`)
//                             blocks_0_attn1_to_q             (LyCORIS `lycoris_`)
// These are the Linears of WanTransformer::linears() for every Wan variant (the I2V 2.1
// image branch included); the patch_embedding Conv3d is not one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reel {

// The diffusers name of a Linear given by its diffusers or official (dotted) name; nullopt
// when `name` is not a Wan transformer Linear.
//   wan_linear_name("blocks.3.cross_attn.o") == "blocks.3.attn2.to_out.0"
std::optional<std::string> wan_linear_name(std::string_view name);

// The same for a flattened name (every '.' replaced by '_'), diffusers or official.
//   wan_linear_name_from_flat("blocks_0_ffn_net_0_proj") == "blocks.0.ffn.net.0.proj"
std::optional<std::string> wan_linear_name_from_flat(std::string_view flat);

// `name` with every '.' replaced by '_'.
std::string flatten_module_name(std::string_view name);

}  // namespace reel
