// open_wan_checkpoint and fill_wan_parameters; load_wan_transformer, which needs the model
// itself, is in wan_transformer_load.cpp.
#include "models/wan/wan_transformer_loader.h"
#include "core/shape_text.h"
#include "models/component_path.h"
#include "models/fill_parameters.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/log.h"
#include "models/wan/wan_config_io.h"
#include "models/wan/wan_weight_names.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

// num_heads from the official release's config.json ("_class_name": "WanModel"), if any.
std::optional<int64_t> official_config_heads(const fs::path& config) {
  std::ifstream in(config);
  if (!in) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("num_heads") || !j["num_heads"].is_number_integer()) {
    return std::nullopt;
  }
  return j["num_heads"].get<int64_t>();
}

}  // namespace

WanCheckpoint open_wan_checkpoint(const fs::path& path, const WanLoadOptions& options) {
  const ComponentPath where = find_component(path, "transformer", options.subfolder);
  WanCheckpoint ck{where.weights, SafetensorsSet::open(where.weights), {}, {}, {}, {}, {}};

  std::vector<TensorShape> shapes;
  shapes.reserve(ck.weights.tensors().size());
  for (const auto& t : ck.weights.tensors()) shapes.push_back({t.name, t.shape});
  ck.layout = detect_layout(shapes);

  // A ComfyUI checkpoint that also holds the VAE and text encoder: keep the transformer part.
  std::string only_prefix;
  if (ck.layout.kind != "wan-transformer") {
    for (std::string_view p : kWanComfyPrefixes) {
      std::vector<TensorShape> part;
      for (const auto& s : shapes) {
        if (s.name.compare(0, p.size(), p) == 0) part.push_back(s);
      }
      if (part.empty()) continue;
      CheckpointLayout l = detect_layout(part);
      if (l.kind == "wan-transformer") {
        log::info("using the ", part.size(), " tensors under '", p, "' of ", shapes.size(), " in ",
                  ck.path.string());
        ck.layout = l;
        only_prefix = std::string(p);
        shapes = std::move(part);
        break;
      }
    }
  }
  if (ck.layout.kind != "wan-transformer") {
    throw Error("not a Wan transformer checkpoint: " + ck.layout.description())
        .file(ck.path.string())
        .hint(
            "give the Wan diffusion transformer (a diffusers transformer folder, or the "
            "official / ComfyUI single file)");
  }

  const bool diffusers = ck.layout.naming == "diffusers";
  if (diffusers && !where.config.empty()) {
    ck.config = read_wan_config(where.config);
    ck.config_source = where.config.string();
  } else {
    std::optional<int64_t> heads = options.num_heads;
    if (!heads && !where.config.empty()) heads = official_config_heads(where.config);
    ck.config = infer_wan_config(shapes, heads, ck.path.string());
    ck.config_source = "inferred from the tensor shapes";
  }

  const std::string& prefix = ck.layout.prefix;
  std::unordered_set<std::string> seen;
  for (const auto& t : ck.weights.tensors()) {
    if (!only_prefix.empty() && t.name.compare(0, only_prefix.size(), only_prefix) != 0) continue;
    std::string name =
        t.name.compare(0, prefix.size(), prefix) == 0 ? t.name.substr(prefix.size()) : t.name;
    std::optional<std::string> mapped =
        diffusers ? std::optional<std::string>(name) : wan_official_to_diffusers(name);
    if (!mapped) {
      ck.unknown.push_back(t.name);
      continue;
    }
    if (!seen.insert(*mapped).second) {
      throw Error("two tensors map to the same parameter '" + *mapped + "' (the second is '" +
                  t.name + "')")
          .file(ck.path.string());
    }
    ck.names.emplace_back(std::move(*mapped), t.name);
  }
  return ck;
}

int64_t fill_wan_parameters(const WanCheckpoint& ck, std::vector<ParameterSlot>& slots,
                            const WanLoadOptions& options) {
  const bool diffusers = ck.layout.naming == "diffusers";
  StoredWeights stored{&ck.weights, ck.names, ck.unknown};
  // How a parameter is called in the checkpoint's own naming.
  stored.shown = [&](const std::string& d) {
    if (diffusers) return ck.layout.prefix + d;
    return ck.layout.prefix + wan_diffusers_to_official(d).value_or(d) + " (diffusers " + d + ")";
  };
  FillOptions fill{options.dtype, options.device,
                   "this Wan transformer (" + describe_wan_config(ck.config) + ")",
                   "the config is " + ck.config_source +
                       "; a checkpoint of another model size or variant, or an incomplete "
                       "download, has other tensors"};
  return fill_parameters(stored, slots, fill);
}

}  // namespace reel
