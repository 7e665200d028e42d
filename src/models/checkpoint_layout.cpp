#include "models/checkpoint_layout.h"

#include <algorithm>
#include <map>

namespace reel {
namespace {

class Names {
 public:
  explicit Names(const std::vector<TensorShape>& tensors, const std::string& prefix) {
    for (const auto& t : tensors) {
      std::string n = t.name.substr(prefix.size());
      shapes_[n] = t.shape;
    }
  }
  bool has(const std::string& name) const { return shapes_.count(name) > 0; }
  bool any_contains(const std::string& part) const {
    return std::any_of(shapes_.begin(), shapes_.end(),
                       [&](const auto& kv) { return kv.first.find(part) != std::string::npos; });
  }
  const std::vector<int64_t>* shape(const std::string& name) const {
    auto it = shapes_.find(name);
    return it == shapes_.end() ? nullptr : &it->second;
  }
  // 1 + the largest N of "<head>N." names, 0 when there are none.
  int count_indexed(const std::string& head) const {
    int n = 0;
    for (const auto& kv : shapes_) {
      if (kv.first.compare(0, head.size(), head) != 0) continue;
      n = std::max(n, std::atoi(kv.first.c_str() + head.size()) + 1);
    }
    return n;
  }

 private:
  std::map<std::string, std::vector<int64_t>> shapes_;
};

std::string common_prefix(const std::vector<TensorShape>& tensors) {
  // Only the wrapper prefixes that tools actually add; a deeper common prefix is part of
  // the model's own names.
  static const char* const kPrefixes[] = {"model.diffusion_model.", "diffusion_model.",
                                          "transformer.", "base_model.model."};
  for (const char* p : kPrefixes) {
    std::string prefix(p);
    bool all = !tensors.empty() && std::all_of(tensors.begin(), tensors.end(), [&](const auto& t) {
      return t.name.compare(0, prefix.size(), prefix) == 0;
    });
    if (all) return prefix;
  }
  return "";
}

std::string wan_size(int64_t dim) {
  switch (dim) {
    case 1536:
      return " (1.3B)";
    case 3072:
      return " (5B)";
    case 5120:
      return " (14B)";
    default:
      return "";
  }
}

// in_dim of the patch embedding says which task the transformer was trained for.
std::string wan_task(int64_t in_dim, bool clip_branch) {
  if (in_dim == 16) return "T2V";
  if (in_dim == 36) return clip_branch ? "I2V (Wan 2.1, CLIP image branch)" : "I2V (Wan 2.2 A14B)";
  if (in_dim == 48) return "TI2V (Wan 2.2 5B)";
  return "in_dim " + std::to_string(in_dim);
}

std::string wan_variant(const Names& n, const std::string& patch, const std::string& blocks,
                        bool clip_branch) {
  const auto* p = n.shape(patch);
  if (!p || p->size() < 2) return "";
  int64_t dim = (*p)[0];
  return wan_task((*p)[1], clip_branch) + ", dim " + std::to_string(dim) + wan_size(dim) + ", " +
         std::to_string(n.count_indexed(blocks)) + " blocks";
}

CheckpointLayout detect_adapter(const Names& n, const std::string& prefix) {
  CheckpointLayout l;
  l.prefix = prefix;
  if (n.any_contains("lokr_w") || n.any_contains("hada_w") || n.any_contains(".oft_")) {
    l.kind = "lycoris";
    l.naming = n.any_contains("lora_unet_") ? "kohya" : "comfyui";
    return l;
  }
  l.kind = "lora";
  if (n.any_contains("lora_unet_") || n.any_contains(".lora_down.")) {
    l.naming = "kohya";
  } else if (prefix == "transformer." || prefix == "base_model.model.") {
    l.naming = "peft";
  } else {
    l.naming = "comfyui";
  }
  // Official names (self_attn) or diffusers names (attn1) under the adapter keys.
  l.variant = n.any_contains("self_attn.") ? "targets official Wan names"
              : n.any_contains("attn1.")   ? "targets diffusers Wan names"
                                           : "";
  return l;
}

}  // namespace

std::string CheckpointLayout::description() const {
  static const std::map<std::string, std::string> kKinds = {{"wan-transformer", "Wan transformer"},
                                                            {"wan-vae", "Wan VAE"},
                                                            {"umt5-encoder", "UMT5 text encoder"},
                                                            {"clip-vision", "CLIP vision encoder"},
                                                            {"lora", "LoRA adapter"},
                                                            {"lycoris", "LyCORIS adapter"},
                                                            {"unknown", "not recognised"}};
  auto it = kKinds.find(kind);
  std::string s = it == kKinds.end() ? kind : it->second;
  if (!naming.empty()) s += ", " + naming + " names";
  if (!prefix.empty()) s += " (prefix '" + prefix + "')";
  if (!variant.empty()) s += "; " + variant;
  return s;
}

CheckpointLayout detect_layout(const std::vector<TensorShape>& tensors) {
  const std::string prefix = common_prefix(tensors);
  const Names n(tensors, prefix);
  CheckpointLayout l;
  l.prefix = prefix;

  if (n.any_contains("lora_A.") || n.any_contains("lora_down.") || n.any_contains("lokr_w") ||
      n.any_contains("hada_w")) {
    return detect_adapter(n, prefix);
  }
  if (n.has("patch_embedding.weight") && n.has("scale_shift_table")) {
    l.kind = "wan-transformer";
    l.naming = "diffusers";
    l.variant = wan_variant(n, "patch_embedding.weight", "blocks.",
                            n.any_contains("condition_embedder.image_embedder."));
  } else if (n.has("patch_embedding.weight") && n.has("head.head.weight")) {
    l.kind = "wan-transformer";
    l.naming = prefix.empty() ? "official" : "comfyui";
    l.variant = wan_variant(n, "patch_embedding.weight", "blocks.", n.any_contains("img_emb."));
  } else if (n.has("quant_conv.weight") && n.has("encoder.conv_in.weight")) {
    l.kind = "wan-vae";
    l.naming = "diffusers";
    if (const auto* q = n.shape("quant_conv.weight")) {
      l.variant = "z_dim " + std::to_string((*q)[0] / 2) + ((*q)[0] == 96 ? " (Wan 2.2)" : "");
    }
  } else if (n.has("conv1.weight") && n.has("encoder.conv1.weight")) {
    l.kind = "wan-vae";
    l.naming = "official";
    if (const auto* q = n.shape("conv1.weight")) {
      l.variant = "z_dim " + std::to_string((*q)[0] / 2) + ((*q)[0] == 96 ? " (Wan 2.2)" : "");
    }
  } else if (n.any_contains("encoder.block.0.layer.0.SelfAttention.")) {
    l.kind = "umt5-encoder";
    l.naming = "transformers";
    l.variant = std::to_string(n.count_indexed("encoder.block.")) + " layers";
  } else if (n.has("token_embedding.weight") && n.any_contains("blocks.0.attn.q.")) {
    l.kind = "umt5-encoder";
    l.naming = "official";
    l.variant = std::to_string(n.count_indexed("blocks.")) + " layers";
  } else if (n.any_contains("vision_model.embeddings.patch_embedding.")) {
    l.kind = "clip-vision";
    l.naming = "transformers";
    l.variant = std::to_string(n.count_indexed("vision_model.encoder.layers.")) + " layers";
  } else if (n.any_contains("visual.transformer.") || n.has("visual.patch_embedding.weight")) {
    l.kind = "clip-vision";
    l.naming = "official";
    l.variant = std::to_string(n.count_indexed("visual.transformer.")) + " layers";
  } else {
    l.kind = "unknown";
  }
  return l;
}

}  // namespace reel
