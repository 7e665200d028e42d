#include "models/text/umt5_encoder_loader.h"
#include "models/component_path.h"
#include "models/fill_parameters.h"

#include <ATen/ATen.h>

#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/log.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

// Per-block names: official suffix -> transformers suffix (after "encoder.block.N.").
const std::pair<const char*, const char*> kBlockNames[] = {
    {"norm1.weight", "layer.0.layer_norm.weight"},
    {"attn.q.weight", "layer.0.SelfAttention.q.weight"},
    {"attn.k.weight", "layer.0.SelfAttention.k.weight"},
    {"attn.v.weight", "layer.0.SelfAttention.v.weight"},
    {"attn.o.weight", "layer.0.SelfAttention.o.weight"},
    {"pos_embedding.embedding.weight", "layer.0.SelfAttention.relative_attention_bias.weight"},
    {"norm2.weight", "layer.1.layer_norm.weight"},
    {"ffn.gate.0.weight", "layer.1.DenseReluDense.wi_0.weight"},
    {"ffn.fc1.weight", "layer.1.DenseReluDense.wi_1.weight"},
    {"ffn.fc2.weight", "layer.1.DenseReluDense.wo.weight"},
};

// Splits "<prefix><N>.<rest>" into N and rest.
bool split_block(const std::string& name, const std::string& prefix, std::string& index,
                 std::string& rest) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return false;
  index = name.substr(prefix.size(), dot - prefix.size());
  for (char c : index) {
    if (c < '0' || c > '9') return false;
  }
  rest = name.substr(dot + 1);
  return true;
}

Umt5Config infer_config(const Umt5Checkpoint& ck) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [t, s] : ck.names) shapes[t] = ck.weights.info(s).shape;
  auto shape = [&](const std::string& name) -> const std::vector<int64_t>& {
    auto it = shapes.find(name);
    if (it == shapes.end()) {
      throw Error("cannot infer the text encoder's config: no tensor for '" + name + "'")
          .file(ck.path.string());
    }
    return it->second;
  };
  Umt5Config c;
  c.vocab_size = shape("shared.weight").at(0);
  c.d_model = shape("shared.weight").at(1);
  std::set<int64_t> blocks;
  for (const auto& [t, s] : shapes) {
    std::string index, rest;
    if (split_block(t, "encoder.block.", index, rest)) blocks.insert(std::stoll(index));
  }
  c.num_layers = static_cast<int64_t>(blocks.size());
  const std::string b0 = "encoder.block.0.";
  c.d_ff = shape(b0 + "layer.1.DenseReluDense.wi_0.weight").at(0);
  const auto& bias = shape(b0 + "layer.0.SelfAttention.relative_attention_bias.weight");
  c.relative_attention_num_buckets = bias.at(0);
  c.num_heads = bias.at(1);
  c.d_kv = shape(b0 + "layer.0.SelfAttention.q.weight").at(0) / c.num_heads;
  return c;
}

}  // namespace

std::optional<std::string> umt5_official_to_transformers(const std::string& name) {
  if (name == "token_embedding.weight") return "shared.weight";
  if (name == "norm.weight") return "encoder.final_layer_norm.weight";
  std::string index, rest;
  if (!split_block(name, "blocks.", index, rest)) return std::nullopt;
  for (const auto& [official, transformers] : kBlockNames) {
    if (rest == official) return "encoder.block." + index + "." + transformers;
  }
  return std::nullopt;
}

std::optional<std::string> umt5_transformers_to_official(const std::string& name) {
  if (name == "shared.weight") return "token_embedding.weight";
  if (name == "encoder.final_layer_norm.weight") return "norm.weight";
  std::string index, rest;
  if (!split_block(name, "encoder.block.", index, rest)) return std::nullopt;
  for (const auto& [official, transformers] : kBlockNames) {
    if (rest == transformers) return "blocks." + index + "." + official;
  }
  return std::nullopt;
}

Umt5Checkpoint open_umt5_checkpoint(const fs::path& path) {
  const ComponentPath where = find_component(path, "text_encoder");
  const fs::path& weights = where.weights;
  const fs::path& config = where.config;
  Umt5Checkpoint ck{weights, SafetensorsSet::open(weights), {}, {}, {}, {}, {}, {}};

  bool official = false, transformers = false;
  for (const auto& t : ck.weights.tensors()) {
    if (umt5_official_to_transformers(t.name)) official = true;
    if (umt5_transformers_to_official(t.name)) transformers = true;
  }
  if (official == transformers) {
    throw Error(official ? "mixes official Wan and transformers tensor names"
                         : "not a UMT5 text encoder checkpoint (no known tensor names)")
        .file(ck.path.string())
        .hint("give Wan's umt5-xxl encoder: the diffusers text_encoder folder or a single file");
  }
  ck.naming = official ? "official" : "transformers";
  const bool has_shared = ck.weights.contains("shared.weight");
  std::unordered_set<std::string> seen;
  for (const auto& t : ck.weights.tensors()) {
    std::optional<std::string> mapped;
    if (official) {
      mapped = umt5_official_to_transformers(t.name);
    } else if (t.name == "encoder.embed_tokens.weight") {
      if (has_shared) {
        ck.ignored.push_back(t.name);  // tied to shared.weight
        continue;
      }
      mapped = "shared.weight";
    } else if (umt5_transformers_to_official(t.name)) {
      mapped = t.name;
    }
    if (!mapped) {
      ck.unknown.push_back(t.name);
      continue;
    }
    if (!seen.insert(*mapped).second) {
      throw Error("two tensors map to the same parameter '" + *mapped + "'").file(ck.path.string());
    }
    ck.names.emplace_back(*mapped, t.name);
  }

  // A config.json describes transformers-named weights (a diffusers text_encoder folder).
  if (!config.empty() && !official) {
    ck.config = read_umt5_config(config);
    ck.config_source = config.string();
  } else {
    ck.config = infer_config(ck);
    ck.config_source = "inferred from the tensor shapes";
  }
  return ck;
}

int64_t fill_umt5_parameters(const Umt5Checkpoint& ck, std::vector<ParameterSlot>& slots,
                             const Umt5LoadOptions& options) {
  const bool official = ck.naming == "official";
  StoredWeights stored{&ck.weights, ck.names, ck.unknown};
  stored.shown = [official](const std::string& t) {
    if (!official) return t;
    return umt5_transformers_to_official(t).value_or(t) + " (transformers " + t + ")";
  };
  FillOptions fill{options.dtype, options.device,
                   "this text encoder (" + describe_umt5_config(ck.config) + ")",
                   "the config is " + ck.config_source +
                       "; another model, or an incomplete download, has other tensors"};
  return fill_parameters(stored, slots, fill);
}

Umt5Encoder load_umt5_encoder(const fs::path& path, const Umt5LoadOptions& options) {
  const Umt5Checkpoint ck = open_umt5_checkpoint(path);
  Umt5Encoder encoder(ck.config);
  std::vector<ParameterSlot> slots = encoder.parameters();
  const int64_t count = fill_umt5_parameters(ck, slots, options);
  log::info("loaded the text encoder from ", ck.path.string(), " (", ck.naming, " names, ",
            describe_umt5_config(ck.config), "; ", count, " parameters)");
  return encoder;
}

}  // namespace reel
