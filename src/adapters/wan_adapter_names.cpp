#include "adapters/wan_adapter_names.h"

#include <algorithm>
#include <cctype>

#include "models/wan/wan_weight_names.h"

namespace reel {
namespace {

// Diffusers names of the Linears, inside blocks.N. and outside the blocks.
constexpr std::string_view kBlockLinears[] = {
    "attn1.to_q",       "attn1.to_k",       "attn1.to_v",     "attn1.to_out.0",
    "attn2.to_q",       "attn2.to_k",       "attn2.to_v",     "attn2.to_out.0",
    "attn2.add_k_proj", "attn2.add_v_proj", "ffn.net.0.proj", "ffn.net.2",
};
constexpr std::string_view kTopLinears[] = {
    "condition_embedder.time_embedder.linear_1",
    "condition_embedder.time_embedder.linear_2",
    "condition_embedder.time_proj",
    "condition_embedder.text_embedder.linear_1",
    "condition_embedder.text_embedder.linear_2",
    "condition_embedder.image_embedder.ff.net.0.proj",
    "condition_embedder.image_embedder.ff.net.2",
    "proj_out",
};

// Length of a leading "blocks.N." (or "blocks_N_" with sep '_'); 0 when there is none.
size_t block_prefix(std::string_view name, char sep) {
  const std::string head = std::string("blocks") + sep;
  if (name.substr(0, head.size()) != head) return 0;
  size_t i = head.size();
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
  if (i == head.size() || i >= name.size() || name[i] != sep) return 0;
  return i + 1;
}

bool is_diffusers_linear(std::string_view name) {
  const size_t b = block_prefix(name, '.');
  if (b > 0) {
    const std::string_view rest = name.substr(b);
    return std::find(std::begin(kBlockLinears), std::end(kBlockLinears), rest) !=
           std::end(kBlockLinears);
  }
  return std::find(std::begin(kTopLinears), std::end(kTopLinears), name) != std::end(kTopLinears);
}

}  // namespace

std::string flatten_module_name(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

std::optional<std::string> wan_linear_name(std::string_view name) {
  if (is_diffusers_linear(name)) return std::string(name);
  if (auto mapped = wan_official_to_diffusers(name); mapped && is_diffusers_linear(*mapped)) {
    return mapped;
  }
  return std::nullopt;
}

std::optional<std::string> wan_linear_name_from_flat(std::string_view flat) {
  // Flattening is not invertible ("self_attn", "to_out.0"), so every candidate Linear is
  // flattened, in both namings, and compared.
  const auto flat_matches = [](const std::string& diffusers, std::string_view wanted) {
    if (flatten_module_name(diffusers) == wanted) return true;
    auto official = wan_diffusers_to_official(diffusers);
    return official && flatten_module_name(*official) == wanted;
  };
  const size_t b = block_prefix(flat, '_');
  if (b > 0) {
    const std::string block = "blocks." + std::string(flat.substr(7, b - 8)) + ".";
    for (std::string_view candidate : kBlockLinears) {
      const std::string name = block + std::string(candidate);
      if (flat_matches(name, flat)) return name;
    }
    return std::nullopt;
  }
  for (std::string_view candidate : kTopLinears) {
    if (flat_matches(std::string(candidate), flat)) return std::string(candidate);
  }
  return std::nullopt;
}

}  // namespace reel
