#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/shape_text.h"
#include "models/wan/wan_config_io.h"
#include "models/wan/wan_weight_names.h"

namespace reel {
namespace {

using nlohmann::json;

const char* json_type(const json& v) {
  return v.type_name();
}

class ConfigReader {
 public:
  ConfigReader(const json& j, const std::string& file) : j_(j), file_(file) {}

  Error error(const std::string& key, const std::string& message) const {
    Error e(message);
    e.file(file_).key(key);
    return e;
  }

  void integer(const char* key, int64_t& out, int64_t min = 1) const {
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (!v.is_number_integer()) {
      throw error(key, std::string("expected an integer, found ") + json_type(v) + " " + v.dump());
    }
    int64_t x = v.get<int64_t>();
    if (x < min) {
      throw error(key, "expected an integer >= " + std::to_string(min) + ", found " + v.dump());
    }
    out = x;
  }
  void optional_integer(const char* key, std::optional<int64_t>& out) const {
    if (!j_.contains(key)) return;
    if (j_[key].is_null()) {
      out.reset();
      return;
    }
    int64_t x = 0;
    integer(key, x);
    out = x;
  }
  void number(const char* key, double& out) const {
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (!v.is_number() || v.get<double>() <= 0) {
      throw error(
          key, std::string("expected a positive number, found ") + json_type(v) + " " + v.dump());
    }
    out = v.get<double>();
  }
  void boolean(const char* key, bool& out) const {
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (!v.is_boolean()) {
      throw error(key,
                  std::string("expected true or false, found ") + json_type(v) + " " + v.dump());
    }
    out = v.get<bool>();
  }
  // A string or null (null = "": no qk-norm).
  void optional_string(const char* key, std::string& out) const {
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    if (v.is_null()) {
      out.clear();
    } else if (v.is_string()) {
      out = v.get<std::string>();
    } else {
      throw error(key,
                  std::string("expected a string or null, found ") + json_type(v) + " " + v.dump());
    }
  }
  void triple(const char* key, std::array<int64_t, 3>& out) const {
    if (!j_.contains(key)) return;
    const json& v = j_[key];
    bool ok = v.is_array() && v.size() == 3 && std::all_of(v.begin(), v.end(), [](const json& x) {
                return x.is_number_integer() && x.get<int64_t>() > 0;
              });
    if (!ok) throw error(key, "expected 3 positive integers, found " + v.dump());
    for (size_t i = 0; i < 3; ++i) out[i] = v[i].get<int64_t>();
  }

 private:
  const json& j_;
  const std::string& file_;
};

}  // namespace

WanConfig parse_wan_config(const std::string& json_text, const std::string& file) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what()).file(file);
  }
  if (!j.is_object()) throw Error("expected a JSON object (a diffusers config.json)").file(file);
  if (j.contains("_class_name")) {
    const json& cls = j["_class_name"];
    if (!cls.is_string() || cls.get<std::string>() != "WanTransformer3DModel") {
      throw Error("this is the config of " + cls.dump() + ", not of a WanTransformer3DModel")
          .file(file)
          .key("_class_name")
          .hint("point at the transformer (or the pipeline folder), not another component");
    }
  }

  WanConfig c;
  ConfigReader r(j, file);
  r.integer("in_channels", c.in_channels);
  r.integer("out_channels", c.out_channels);
  r.integer("num_attention_heads", c.num_attention_heads);
  r.integer("attention_head_dim", c.attention_head_dim);
  r.integer("ffn_dim", c.ffn_dim);
  r.integer("freq_dim", c.freq_dim);
  r.integer("text_dim", c.text_dim);
  r.integer("num_layers", c.num_layers);
  r.triple("patch_size", c.patch_size);
  r.number("eps", c.eps);
  r.boolean("cross_attn_norm", c.cross_attn_norm);
  r.optional_string("qk_norm", c.qk_norm);
  r.optional_integer("image_dim", c.image_dim);
  r.optional_integer("added_kv_proj_dim", c.added_kv_proj_dim);
  r.integer("rope_max_seq_len", c.rope_max_seq_len);
  r.optional_integer("pos_embed_seq_len", c.pos_embed_seq_len);
  if (c.attention_head_dim % 2 != 0) {
    throw r.error("attention_head_dim", "must be even for the rotary embedding, found " +
                                            std::to_string(c.attention_head_dim));
  }
  return c;
}

WanConfig read_wan_config(const std::filesystem::path& config_json) {
  std::ifstream in(config_json, std::ios::binary);
  if (!in) {
    throw Error("cannot read the transformer config")
        .file(config_json.string())
        .hint("a diffusers transformer folder has config.json beside its .safetensors");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_wan_config(text.str(), config_json.string());
}

std::optional<int64_t> wan_known_num_heads(int64_t dim) {
  switch (dim) {
    case 1536:
      return 12;  // Wan 2.1 1.3B
    case 3072:
      return 24;  // Wan 2.2 TI2V 5B
    case 5120:
      return 40;  // 14B (Wan 2.1, Wan 2.2 A14B)
    default:
      return std::nullopt;
  }
}

WanConfig infer_wan_config(const std::vector<TensorShape>& tensors,
                           std::optional<int64_t> num_heads, const std::string& file) {
  // Every shape by its diffusers name; names that map to nothing are ignored here.
  const CheckpointLayout layout = detect_layout(tensors);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : tensors) {
    std::string name = t.name.compare(0, layout.prefix.size(), layout.prefix) == 0
                           ? t.name.substr(layout.prefix.size())
                           : t.name;
    if (layout.naming != "diffusers") {
      auto mapped = wan_official_to_diffusers(name);
      if (!mapped) continue;
      name = *mapped;
    }
    shapes[name] = t.shape;
  }
  const bool official = layout.naming != "diffusers";
  auto find = [&](const std::string& name) -> const std::vector<int64_t>* {
    auto it = shapes.find(name);
    return it == shapes.end() ? nullptr : &it->second;
  };
  auto need = [&](const std::string& name, size_t rank) -> const std::vector<int64_t>& {
    const auto* s = find(name);
    std::string shown = official ? wan_diffusers_to_official(name).value_or(name) : name;
    if (!s) {
      throw Error("cannot infer the Wan transformer config: tensor '" + shown + "' is missing")
          .file(file)
          .hint("is this a complete Wan transformer checkpoint?");
    }
    if (s->size() != rank) {
      throw Error("cannot infer the Wan transformer config: tensor '" + shown + "' has shape " +
                  shape_text(*s) + ", expected " + std::to_string(rank) + " dimensions")
          .file(file);
    }
    return *s;
  };

  WanConfig c;
  const auto& patch = need("patch_embedding.weight", 5);
  const int64_t dim = patch[0];
  c.in_channels = patch[1];
  c.patch_size = {patch[2], patch[3], patch[4]};
  const auto& proj_out = need("proj_out.weight", 2);
  const int64_t patch_volume = patch[2] * patch[3] * patch[4];
  if (proj_out[0] % patch_volume != 0) {
    throw Error("cannot infer out_channels: head.head.weight has " + std::to_string(proj_out[0]) +
                " rows, not a multiple of the patch volume " + std::to_string(patch_volume))
        .file(file);
  }
  c.out_channels = proj_out[0] / patch_volume;
  c.ffn_dim = need("blocks.0.ffn.net.0.proj.weight", 2)[0];
  c.text_dim = need("condition_embedder.text_embedder.linear_1.weight", 2)[1];
  c.freq_dim = need("condition_embedder.time_embedder.linear_1.weight", 2)[1];

  int64_t layers = 0;
  for (const auto& kv : shapes) {
    if (kv.first.compare(0, 7, "blocks.") == 0) {
      layers = std::max<int64_t>(layers, std::atoll(kv.first.c_str() + 7) + 1);
    }
  }
  c.num_layers = layers;
  c.qk_norm = find("blocks.0.attn1.norm_q.weight") ? "rms_norm_across_heads" : "";
  c.cross_attn_norm = find("blocks.0.norm2.weight") != nullptr;
  if (const auto* img = find("condition_embedder.image_embedder.norm1.weight")) {
    c.image_dim = (*img)[0];
    c.added_kv_proj_dim = need("blocks.0.attn2.add_k_proj.weight", 2)[1];
  } else {
    c.image_dim.reset();
    c.added_kv_proj_dim.reset();
  }
  if (const auto* pos = find("condition_embedder.image_embedder.pos_embed")) {
    if (pos->size() == 3) c.pos_embed_seq_len = (*pos)[1];
  }

  std::optional<int64_t> heads = num_heads ? num_heads : wan_known_num_heads(dim);
  if (!heads) {
    throw Error("cannot infer the number of attention heads of a Wan transformer of width " +
                std::to_string(dim) + ": the released widths are 1536 (12 heads), 3072 (24) and " +
                "5120 (40), all of head size 128")
        .file(file)
        .hint(
            "give the head count (num_heads), or load a diffusers folder whose config.json "
            "has num_attention_heads");
  }
  if (*heads <= 0 || dim % *heads != 0 || (dim / *heads) % 2 != 0) {
    throw Error("num_heads " + std::to_string(*heads) + " does not divide the width " +
                std::to_string(dim) + " into heads of an even size")
        .file(file);
  }
  c.num_attention_heads = *heads;
  c.attention_head_dim = dim / *heads;
  return c;
}

std::string wan_config_json(const WanConfig& c) {
  auto opt = [](const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); };
  json j = {{"_class_name", "WanTransformer3DModel"},
            {"added_kv_proj_dim", opt(c.added_kv_proj_dim)},
            {"attention_head_dim", c.attention_head_dim},
            {"cross_attn_norm", c.cross_attn_norm},
            {"eps", c.eps},
            {"ffn_dim", c.ffn_dim},
            {"freq_dim", c.freq_dim},
            {"image_dim", opt(c.image_dim)},
            {"in_channels", c.in_channels},
            {"num_attention_heads", c.num_attention_heads},
            {"num_layers", c.num_layers},
            {"out_channels", c.out_channels},
            {"patch_size", c.patch_size},
            {"pos_embed_seq_len", opt(c.pos_embed_seq_len)},
            {"qk_norm", c.qk_norm.empty() ? json(nullptr) : json(c.qk_norm)},
            {"rope_max_seq_len", c.rope_max_seq_len},
            {"text_dim", c.text_dim}};
  return j.dump(2);
}

std::string describe_wan_config(const WanConfig& c) {
  std::ostringstream s;
  s << c.num_layers << " layers, dim " << c.dim() << " (" << c.num_attention_heads << " heads x "
    << c.attention_head_dim << "), ffn " << c.ffn_dim << ", in " << c.in_channels << ", out "
    << c.out_channels << ", text " << c.text_dim;
  if (c.image_dim) s << ", image " << *c.image_dim;
  if (c.pos_embed_seq_len) s << ", pos_embed_seq_len " << *c.pos_embed_seq_len;
  return s.str();
}

bool operator==(const WanConfig& a, const WanConfig& b) {
  return a.in_channels == b.in_channels && a.out_channels == b.out_channels &&
         a.num_attention_heads == b.num_attention_heads &&
         a.attention_head_dim == b.attention_head_dim && a.ffn_dim == b.ffn_dim &&
         a.freq_dim == b.freq_dim && a.text_dim == b.text_dim && a.num_layers == b.num_layers &&
         a.patch_size == b.patch_size && a.eps == b.eps && a.cross_attn_norm == b.cross_attn_norm &&
         a.qk_norm == b.qk_norm && a.image_dim == b.image_dim &&
         a.added_kv_proj_dim == b.added_kv_proj_dim && a.rope_max_seq_len == b.rope_max_seq_len &&
         a.pos_embed_seq_len == b.pos_embed_seq_len;
}

}  // namespace reel
