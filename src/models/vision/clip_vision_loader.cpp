#include "models/vision/clip_vision_loader.h"
#include "core/shape_text.h"
#include "models/component_path.h"
#include "models/weight_mismatch.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/log.h"
#include "core/safetensors_set.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

const std::string kVision = "vision_model.";
const std::string kOfficial = "visual.";

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

// Parameters of a full CLIP checkpoint that the image encoder does not use.
bool ignored(const std::string& name, bool official) {
  if (official) return !starts_with(name, kOfficial);
  return starts_with(name, "text_model.") || name == "text_projection.weight" ||
         name == "logit_scale" || name == "vision_model.embeddings.position_ids";
}

// A transformers parameter as it comes out of the checkpoint (a view where possible).
struct Source {
  std::string stored;  // the checkpoint's own name, for messages
  std::function<at::Tensor()> get;
  std::vector<int64_t> shape;
};

struct Opened {
  fs::path path;
  SafetensorsSet weights;
  bool official = false;
  fs::path config;                                  // empty: infer
  std::unordered_map<std::string, Source> sources;  // transformers name -> source
  std::vector<std::string> unknown;                 // stored names the map doesn't know
};

Opened open_checkpoint(const fs::path& path) {
  const ComponentPath where = find_component(path, "image_encoder");
  const fs::path& weights = where.weights;
  const fs::path& config = where.config;
  Opened o{weights, SafetensorsSet::open(weights), false, config, {}, {}};
  bool any_vision = false, any_official = false;
  for (const TensorInfo& t : o.weights.tensors()) {
    any_vision |= starts_with(t.name, kVision);
    any_official |= starts_with(t.name, kOfficial);
  }
  if (!any_vision && !any_official) {
    throw Error("not a CLIP vision checkpoint: no 'vision_model.*' or 'visual.*' tensors")
        .file(o.path.string())
        .hint("give a transformers CLIPVisionModel folder or Wan's open-clip file");
  }
  o.official = !any_vision;
  if (o.official) o.config.clear();  // a config.json beside an official file is not ours

  const SafetensorsSet* set = &o.weights;
  for (const TensorInfo& t : o.weights.tensors()) {
    if (ignored(t.name, o.official)) continue;
    const std::string name = t.name;
    auto add = [&](const std::string& to, std::function<at::Tensor()> get,
                   std::vector<int64_t> shape) {
      if (o.sources.count(to)) {
        throw Error("two tensors map to the same parameter '" + to + "' (the second is '" + name +
                    "')")
            .file(o.path.string());
      }
      o.sources.emplace(to, Source{name, std::move(get), std::move(shape)});
    };
    auto plain = [set, name] { return set->tensor(name); };
    if (!o.official) {
      add(name, plain, t.shape);
      continue;
    }
    const std::vector<std::string> mapped =
        clip_official_to_transformers(name.substr(kOfficial.size()));
    if (mapped.empty()) {
      o.unknown.push_back(name);
    } else if (mapped.size() == 3) {  // to_qkv: rows [0,D) q, [D,2D) k, [2D,3D) v
      if (t.shape.empty() || t.shape[0] % 3 != 0) {
        throw Error("'" + name + "' " + shape_text(t.shape) + " does not split into q, k, v")
            .file(o.path.string());
      }
      const int64_t D = t.shape[0] / 3;
      std::vector<int64_t> shape = t.shape;
      shape[0] = D;
      for (int64_t i = 0; i < 3; ++i) {
        add(
            mapped[static_cast<size_t>(i)],
            [set, name, i, D] { return set->tensor(name).narrow(0, i * D, D); }, shape);
      }
    } else if (name == kOfficial + "head") {  // [D, P] -> [P, D]
      std::vector<int64_t> shape = t.shape;
      if (shape.size() == 2) std::swap(shape[0], shape[1]);
      add(
          mapped[0], [set, name] { return set->tensor(name).t(); }, shape);
    } else if (name == kOfficial + "cls_embedding" || name == kOfficial + "pos_embedding") {
      // [1, 1, D] -> [D]; [1, T, D] -> [T, D]
      std::vector<int64_t> shape = t.shape;
      if (!shape.empty() && shape[0] == 1) shape.erase(shape.begin());
      if (name == kOfficial + "cls_embedding" && !shape.empty() && shape[0] == 1) {
        shape.erase(shape.begin());
      }
      add(
          mapped[0], [set, name, shape] { return set->tensor(name).reshape(shape); }, shape);
    } else {
      add(mapped[0], plain, t.shape);
    }
  }
  return o;
}

const std::vector<int64_t>* shape_of(const Opened& o, const std::string& name) {
  auto it = o.sources.find(name);
  return it == o.sources.end() ? nullptr : &it->second.shape;
}

ClipVisionConfig infer_config(const Opened& o, const ClipVisionLoadOptions& options) {
  auto need = [&](const std::string& name, size_t rank) -> const std::vector<int64_t>& {
    const std::vector<int64_t>* s = shape_of(o, name);
    if (!s || s->size() != rank) {
      throw Error("cannot infer the CLIP vision config: '" + name + "' is " +
                  (s ? "mis-shaped " + shape_text(*s) : std::string("missing")))
          .file(o.path.string());
    }
    return *s;
  };
  ClipVisionConfig c;
  const auto& patch = need("vision_model.embeddings.patch_embedding.weight", 4);
  c.hidden_size = patch[0];
  c.num_channels = patch[1];
  c.patch_size = patch[2];
  const auto& pos = need("vision_model.embeddings.position_embedding.weight", 2);
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(pos[0] - 1))));
  c.image_size = side * c.patch_size;
  c.intermediate_size = need("vision_model.encoder.layers.0.mlp.fc1.weight", 2)[0];
  int64_t layers = 0;
  while (shape_of(
      o, "vision_model.encoder.layers." + std::to_string(layers) + ".layer_norm1.weight")) {
    ++layers;
  }
  c.num_hidden_layers = layers;
  const std::vector<int64_t>* proj = shape_of(o, "visual_projection.weight");
  c.with_projection = proj != nullptr;
  if (proj && proj->size() == 2) c.projection_dim = (*proj)[0];
  if (options.num_heads) {
    c.num_attention_heads = *options.num_heads;
  } else if (c.hidden_size % 80 == 0) {
    c.num_attention_heads = c.hidden_size / 80;
  } else {
    throw Error(
        "cannot infer the number of attention heads of this CLIP vision checkpoint "
        "(width " +
        std::to_string(c.hidden_size) + ")")
        .file(o.path.string())
        .hint("give num_heads, or put the transformers config.json beside the weights");
  }
  c.hidden_act = "gelu";
  c.layer_norm_eps = 1e-5;
  validate_clip_vision_config(c, o.path.string());
  return c;
}

}  // namespace

std::vector<std::string> clip_official_to_transformers(const std::string& n) {
  static const std::map<std::string, std::string> kTop = {
      {"cls_embedding", "vision_model.embeddings.class_embedding"},
      {"pos_embedding", "vision_model.embeddings.position_embedding.weight"},
      {"patch_embedding.weight", "vision_model.embeddings.patch_embedding.weight"},
      {"pre_norm.weight", "vision_model.pre_layrnorm.weight"},
      {"pre_norm.bias", "vision_model.pre_layrnorm.bias"},
      {"post_norm.weight", "vision_model.post_layernorm.weight"},
      {"post_norm.bias", "vision_model.post_layernorm.bias"},
      {"head", "visual_projection.weight"},
  };
  if (auto it = kTop.find(n); it != kTop.end()) return {it->second};
  const std::string t = "transformer.";
  if (!starts_with(n, t)) return {};
  const size_t dot = n.find('.', t.size());
  if (dot == std::string::npos || dot == t.size()) return {};
  const std::string idx = n.substr(t.size(), dot - t.size());
  if (idx.find_first_not_of("0123456789") != std::string::npos) return {};
  const std::string rest = n.substr(dot + 1);
  const std::string p = "vision_model.encoder.layers." + idx + ".";
  static const std::map<std::string, std::string> kBlock = {
      {"norm1", "layer_norm1"}, {"norm2", "layer_norm2"}, {"attn.proj", "self_attn.out_proj"},
      {"mlp.0", "mlp.fc1"},     {"mlp.2", "mlp.fc2"},
  };
  for (const char* suffix : {".weight", ".bias"}) {
    const std::string s = suffix;
    if (rest.size() <= s.size() || rest.compare(rest.size() - s.size(), s.size(), s) != 0) continue;
    const std::string mod = rest.substr(0, rest.size() - s.size());
    if (mod == "attn.to_qkv") {
      return {p + "self_attn.q_proj" + s, p + "self_attn.k_proj" + s, p + "self_attn.v_proj" + s};
    }
    if (auto it = kBlock.find(mod); it != kBlock.end()) return {p + it->second + s};
  }
  return {};
}

ClipVisionModel load_clip_vision(const fs::path& path, const ClipVisionLoadOptions& options) {
  Opened o = open_checkpoint(path);
  ClipVisionConfig config;
  std::string config_source;
  if (!o.config.empty()) {
    config = read_clip_vision_config(o.config);
    config.with_projection = o.sources.count("visual_projection.weight") > 0;
    config_source = o.config.string();
  } else {
    config = infer_config(o, options);
    config_source = "inferred from the tensor shapes";
    if (!o.official) {
      log::warn("no config.json beside ", o.path.string(), ": assuming exact GELU, LayerNorm eps ",
                "1e-5 and ", config.num_attention_heads, " heads (OpenAI CLIP uses quick_gelu)");
    }
  }
  ClipVisionModel model(config);
  std::vector<ParameterSlot> slots = model.parameters();

  std::vector<std::string> missing, wrong_shape, unexpected;
  std::unordered_set<std::string> used;
  for (const ParameterSlot& slot : slots) {
    auto it = o.sources.find(slot.name);
    if (it == o.sources.end()) {
      missing.push_back(slot.name);
      continue;
    }
    used.insert(slot.name);
    if (it->second.shape != slot.shape) {
      wrong_shape.push_back(it->second.stored + " " + shape_text(it->second.shape) + " (expected " +
                            shape_text(slot.shape) + " for " + slot.name + ")");
    }
  }
  for (const auto& [name, src] : o.sources) {
    if (!used.count(name)) unexpected.push_back(src.stored);
  }
  for (const auto& s : o.unknown) unexpected.push_back(s);
  std::sort(unexpected.begin(), unexpected.end());
  unexpected.erase(std::unique(unexpected.begin(), unexpected.end()), unexpected.end());
  if (!missing.empty() || !unexpected.empty() || !wrong_shape.empty()) {
    std::string msg = "the weights do not fit this CLIP vision model (" +
                      describe_clip_vision_config(config) + ", config " + config_source + "): ";
    msg += WeightMismatch{missing, unexpected, wrong_shape}.summary();
    throw Error(msg)
        .file(o.path.string())
        .hint("is this the image encoder of the right model, and is the download complete?");
  }

  for (ParameterSlot& slot : slots) {
    at::Tensor t = o.sources.at(slot.name).get();
    if (t.device() != options.device || t.scalar_type() != options.dtype) {
      t = t.to(options.device, options.dtype);
    }
    *slot.tensor = t.is_contiguous() ? t : t.contiguous();
  }
  log::info("loaded CLIP vision encoder (", describe_clip_vision_config(config), ", ",
            o.official ? "official Wan names" : "transformers names", ") from ", o.path.string());
  return model;
}

ClipPreprocessConfig clip_preprocess_config_for(const std::filesystem::path& image_encoder,
                                                const ClipVisionModel& model) {
  const std::filesystem::path processor =
      image_encoder.parent_path() / "image_processor" / "preprocessor_config.json";
  if (std::filesystem::exists(processor)) return read_clip_preprocess_config(processor.string());
  ClipPreprocessConfig config;
  config.image_size = model.config().image_size;
  return config;
}

}  // namespace reel
