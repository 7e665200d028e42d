#include "models/wan/wan_weight_names.h"

#include <cctype>

namespace reel {
namespace {

struct ModulePair {
  std::string_view official;
  std::string_view diffusers;
};

// Modules outside the blocks. Only modules that hold parameters are listed, so an unknown
// name is not mistaken for a Wan one.
constexpr ModulePair kTopLevel[] = {
    {"patch_embedding", "patch_embedding"},
    {"text_embedding.0", "condition_embedder.text_embedder.linear_1"},
    {"text_embedding.2", "condition_embedder.text_embedder.linear_2"},
    {"time_embedding.0", "condition_embedder.time_embedder.linear_1"},
    {"time_embedding.2", "condition_embedder.time_embedder.linear_2"},
    {"time_projection.1", "condition_embedder.time_proj"},
    {"head.head", "proj_out"},
    {"head.modulation", "scale_shift_table"},  // a parameter, not a module
    // Wan 2.1 I2V's CLIP image branch: LayerNorm, Linear, GELU, Linear, LayerNorm.
    {"img_emb.proj.0", "condition_embedder.image_embedder.norm1"},
    {"img_emb.proj.1", "condition_embedder.image_embedder.ff.net.0.proj"},
    {"img_emb.proj.3", "condition_embedder.image_embedder.ff.net.2"},
    {"img_emb.proj.4", "condition_embedder.image_embedder.norm2"},
    {"img_emb.emb_pos", "condition_embedder.image_embedder.pos_embed"},  // first-last-frame
};

// Modules inside blocks.N.
constexpr ModulePair kInBlock[] = {
    {"self_attn.q", "attn1.to_q"},
    {"self_attn.k", "attn1.to_k"},
    {"self_attn.v", "attn1.to_v"},
    {"self_attn.o", "attn1.to_out.0"},
    {"self_attn.norm_q", "attn1.norm_q"},
    {"self_attn.norm_k", "attn1.norm_k"},
    {"cross_attn.q", "attn2.to_q"},
    {"cross_attn.k", "attn2.to_k"},
    {"cross_attn.v", "attn2.to_v"},
    {"cross_attn.o", "attn2.to_out.0"},
    {"cross_attn.norm_q", "attn2.norm_q"},
    {"cross_attn.norm_k", "attn2.norm_k"},
    {"cross_attn.k_img", "attn2.add_k_proj"},
    {"cross_attn.v_img", "attn2.add_v_proj"},
    {"cross_attn.norm_k_img", "attn2.norm_added_k"},
    // The official block runs norm1 (self-attention), norm3 (cross-attention), norm2 (ffn);
    // diffusers numbers them in that order.
    {"norm1", "norm1"},
    {"norm3", "norm2"},
    {"norm2", "norm3"},
    {"ffn.0", "ffn.net.0.proj"},
    {"ffn.2", "ffn.net.2"},
    {"modulation", "scale_shift_table"},  // a parameter
};

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

// "blocks.12." -> its length; 0 when `name` does not start with a block prefix.
size_t block_prefix_length(std::string_view name) {
  constexpr std::string_view kBlocks = "blocks.";
  if (!starts_with(name, kBlocks)) return 0;
  size_t i = kBlocks.size();
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i == kBlocks.size() || i >= name.size() || name[i] != '.') return 0;
  return i + 1;
}

// `rest` names `module` itself or something inside it ("module.weight", "module.lora_A...").
bool names_module(std::string_view rest, std::string_view module) {
  return starts_with(rest, module) && (rest.size() == module.size() || rest[module.size()] == '.');
}

template <size_t NT, size_t NB>
std::optional<std::string> map_name(std::string_view name, const ModulePair (&top)[NT],
                                    const ModulePair (&block)[NB], bool to_diffusers) {
  const size_t b = block_prefix_length(name);
  std::string_view head = name.substr(0, b), rest = name.substr(b);
  const ModulePair* best = nullptr;
  size_t best_len = 0;
  auto consider = [&](const ModulePair& p) {
    std::string_view from = to_diffusers ? p.official : p.diffusers;
    if (from.size() > best_len && names_module(rest, from)) best = &p, best_len = from.size();
  };
  if (b > 0) {
    for (const auto& p : block) consider(p);
  } else {
    for (const auto& p : top) consider(p);
  }
  if (!best) return std::nullopt;
  std::string_view to = to_diffusers ? best->diffusers : best->official;
  std::string out(head);
  out += to;
  out += rest.substr(best_len);
  return out;
}

}  // namespace

std::string_view strip_wan_comfy_prefix(std::string_view name) {
  for (std::string_view p : kWanComfyPrefixes) {
    if (starts_with(name, p)) return name.substr(p.size());
  }
  return name;
}

std::optional<std::string> wan_official_to_diffusers(std::string_view name) {
  return map_name(strip_wan_comfy_prefix(name), kTopLevel, kInBlock, true);
}

std::optional<std::string> wan_diffusers_to_official(std::string_view name) {
  return map_name(name, kTopLevel, kInBlock, false);
}

std::optional<std::string> wan_diffusers_to_comfy(std::string_view name) {
  auto official = wan_diffusers_to_official(name);
  if (!official) return std::nullopt;
  return "diffusion_model." + *official;
}

}  // namespace reel
