#include "adapters/lycoris_config.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/log.h"

namespace reel {
namespace {

using nlohmann::json;

// LyCORIS' presets (lycoris/config.py PRESET).
const std::set<std::string> kPresets = {"full",
                                        "full-lin",
                                        "attn-mlp",
                                        "attn-only",
                                        "unet-only",
                                        "unet-transformer-only",
                                        "unet-convblock-only",
                                        "ia3"};

// LycorisNetwork.apply_preset's VALID_PRESET_KEYS; the unet_*/text_encoder_* ones are read
// only by LyCORIS' kohya wrapper, so they change nothing for Wan.
const std::set<std::string> kPresetKeys = {"enable_conv",
                                           "target_module",
                                           "target_name",
                                           "module_algo_map",
                                           "name_algo_map",
                                           "lora_prefix",
                                           "use_fnmatch",
                                           "unet_target_module",
                                           "unet_target_name",
                                           "text_encoder_target_module",
                                           "text_encoder_target_name",
                                           "exclude_name"};

// Keys that change nothing for a Wan transformer's Linears: convolution settings, Tucker
// (convolutions only), norm training (Wan's norms are never adapted), and dropout, which
// LyCORIS applies to none of lokr/loha and to locon only in bypass mode.
const std::set<std::string> kIgnoredKeys = {
    "conv_dim",        "conv_alpha", "use_tucker", "use_cp",       "use_conv_cp",
    "disable_conv_cp", "train_norm", "dropout",    "wd_on_output", "enable_conv"};

// LyCORIS features Reel does not implement: accepted only with their (off) defaults.
const std::set<std::string> kOffOnlyKeys = {
    "rank_dropout", "module_dropout", "use_scalar", "dora_wd",          "rs_lora",
    "bypass_mode",  "rescaled",       "constraint", "weight_decompose", "rank_dropout_scale"};

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

struct Reader {
  const std::string& source;

  Error error(const std::string& key, const std::string& message) const {
    Error e(message);
    e.file(source).key(key);
    return e;
  }

  double number(const json& v, const std::string& key) const {
    if (!v.is_number()) {
      throw error(key, "expected a number, got " + v.dump()).hint("write e.g. 1.0");
    }
    return v.get<double>();
  }

  int64_t integer(const json& v, const std::string& key) const {
    const double d = number(v, key);
    if (std::floor(d) != d) {
      throw error(key, "expected a whole number, got " + v.dump()).hint("write e.g. 16");
    }
    return static_cast<int64_t>(d);
  }

  bool boolean(const json& v, const std::string& key) const {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string() && (v == "true" || v == "True")) return true;
    if (v.is_string() && (v == "false" || v == "False")) return false;
    throw error(key, "expected true or false, got " + v.dump());
  }

  std::string string(const json& v, const std::string& key) const {
    if (!v.is_string()) throw error(key, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  std::vector<std::string> strings(const json& v, const std::string& key) const {
    if (!v.is_array()) {
      throw error(key, "expected a list of strings, got " + v.dump())
          .hint("write e.g. [\"Attention\", \"FeedForward\"]");
    }
    std::vector<std::string> out;
    for (const json& item : v) out.push_back(string(item, key));
    return out;
  }

  // A default-off feature must be off: false, 0, null.
  void off(const json& v, const std::string& key) const {
    const bool is_off = v.is_null() || (v.is_boolean() && !v.get<bool>()) ||
                        (v.is_number() && v.get<double>() == 0.0) ||
                        (v.is_string() && (v == "false" || v == "False"));
    if (!is_off) {
      throw error(key, "LyCORIS option " + v.dump() + " is not supported by Reel")
          .hint("remove '" + key + "' (or set it to its default, off)");
    }
  }

  int64_t positive_dim(const json& v, const std::string& key) const {
    const int64_t d = integer(v, key);
    if (d < 1) throw error(key, "expected a positive rank, got " + v.dump());
    return d;
  }

  LycorisModuleSettings settings(const json& v, const std::string& key) const {
    if (!v.is_object()) {
      throw error(key, "expected an object of settings, got " + v.dump())
          .hint("write e.g. {\"factor\": 8} or {\"algo\": \"loha\", \"dim\": 8}");
    }
    LycorisModuleSettings s;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string k = key + "." + it.key();
      const json& x = it.value();
      if (it.key() == "algo") {
        s.algo = parse_lycoris_algo(string(x, k), source);
      } else if (it.key() == "dim") {
        s.dim = positive_dim(x, k);
      } else if (it.key() == "alpha") {
        s.alpha = number(x, k);
      } else if (it.key() == "factor") {
        s.factor = integer(x, k);
      } else if (it.key() == "full_matrix") {
        s.full_matrix = boolean(x, k);
      } else if (it.key() == "decompose_both") {
        s.decompose_both = boolean(x, k);
      } else if (it.key() == "unbalanced_factorization") {
        s.unbalanced_factorization = boolean(x, k);
      } else if (kIgnoredKeys.count(it.key())) {
        continue;
      } else if (kOffOnlyKeys.count(it.key())) {
        off(x, k);
      } else {
        throw error(k, "unknown module setting '" + it.key() + "'")
            .hint(
                "settings Reel reads here: algo, dim, alpha, factor, full_matrix, "
                "decompose_both, unbalanced_factorization");
      }
    }
    return s;
  }

  std::vector<std::pair<std::string, LycorisModuleSettings>> settings_map(
      const json& v, const std::string& key) const {
    if (!v.is_object()) throw error(key, "expected an object, got " + v.dump());
    std::vector<std::pair<std::string, LycorisModuleSettings>> out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      out.emplace_back(it.key(), settings(it.value(), key + "." + it.key()));
    }
    return out;
  }

  void check_regexes(const std::vector<std::string>& patterns, const std::string& key,
                     bool fnmatch) const {
    if (fnmatch) return;
    for (const auto& p : patterns) {
      try {
        std::regex re(p);
      } catch (const std::regex_error& e) {
        throw error(key, "'" + p + "' is not a valid regular expression: " + e.what());
      }
    }
  }

  void apply_preset(const json& v, LycorisConfig& c) const {
    if (!v.is_object()) throw error("apply_preset", "expected an object, got " + v.dump());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!kPresetKeys.count(it.key())) {
        throw error("apply_preset." + it.key(), "unknown apply_preset key '" + it.key() + "'")
            .hint("valid keys (LycorisNetwork.apply_preset): " + join(kPresetKeys));
      }
    }
    const auto has = [&](const char* k) { return v.contains(k); };
    if (has("use_fnmatch")) c.use_fnmatch = boolean(v["use_fnmatch"], "apply_preset.use_fnmatch");
    if (has("target_module")) {
      c.target_module = strings(v["target_module"], "apply_preset.target_module");
    }
    if (has("target_name")) c.target_name = strings(v["target_name"], "apply_preset.target_name");
    if (has("exclude_name")) {
      c.exclude_name = strings(v["exclude_name"], "apply_preset.exclude_name");
    }
    if (has("module_algo_map")) {
      c.module_algo_map = settings_map(v["module_algo_map"], "apply_preset.module_algo_map");
    }
    if (has("name_algo_map")) {
      c.name_algo_map = settings_map(v["name_algo_map"], "apply_preset.name_algo_map");
    }
    if (has("lora_prefix")) c.lora_prefix = string(v["lora_prefix"], "apply_preset.lora_prefix");
    if (has("enable_conv")) boolean(v["enable_conv"], "apply_preset.enable_conv");
    check_regexes(c.target_name, "apply_preset.target_name", c.use_fnmatch);
    check_regexes(c.exclude_name, "apply_preset.exclude_name", c.use_fnmatch);
    std::vector<std::string> names;
    for (const auto& [name, s] : c.name_algo_map) names.push_back(name);
    check_regexes(names, "apply_preset.name_algo_map", c.use_fnmatch);
  }
};

}  // namespace

AdapterAlgo parse_lycoris_algo(const std::string& name, const std::string& source) {
  std::string lower;
  for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "lokr") return AdapterAlgo::kLoKr;
  if (lower == "loha") return AdapterAlgo::kLoHa;
  if (lower == "locon" || lower == "lora") return AdapterAlgo::kLoCon;
  const std::set<std::string> others = {"full", "dylora", "glora", "diag-oft", "boft", "ia3"};
  throw Error("LyCORIS algo '" + name + "' is " +
              (others.count(lower) ? "not supported by Reel" : "not a LyCORIS algorithm"))
      .file(source)
      .key("algo")
      .hint("use lokr, loha or locon (lora)");
}

LycorisConfig parse_lycoris_config(const std::string& json_text, const std::string& source) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(std::string("not valid JSON: ") + e.what()).file(source);
  }
  if (!j.is_object()) {
    throw Error("expected a JSON object, got " + j.dump())
        .file(source)
        .hint(
            "write e.g. {\"algo\": \"lokr\", \"multiplier\": 1.0, \"linear_dim\": 16, "
            "\"linear_alpha\": 16}");
  }
  Reader r{source};
  LycorisConfig c;
  c.source = source;
  c.json = j.dump();

  const bool full_matrix = j.contains("full_matrix") && r.boolean(j["full_matrix"], "full_matrix");
  for (const char* required : {"algo", "multiplier", "linear_alpha"}) {
    if (!j.contains(required)) {
      throw r.error(required, std::string("'") + required + "' is required")
          .hint("ST needs algo, multiplier, linear_alpha and (unless full_matrix) linear_dim");
    }
  }
  if (!j.contains("linear_dim") && !full_matrix) {
    throw r.error("linear_dim", "'linear_dim' is required unless full_matrix is true")
        .hint("add e.g. \"linear_dim\": 16");
  }

  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "algo") {
      c.algo = parse_lycoris_algo(r.string(v, k), source);
    } else if (k == "multiplier") {
      c.multiplier = r.number(v, k);
    } else if (k == "linear_dim") {
      if (!v.is_null()) c.linear_dim = r.positive_dim(v, k);
    } else if (k == "linear_alpha") {
      c.linear_alpha = r.number(v, k);
    } else if (k == "factor") {
      c.factor = r.integer(v, k);
    } else if (k == "full_matrix") {
      c.full_matrix = full_matrix;
    } else if (k == "decompose_both") {
      c.decompose_both = r.boolean(v, k);
    } else if (k == "unbalanced_factorization") {
      c.unbalanced_factorization = r.boolean(v, k);
    } else if (k == "preset") {
      c.preset = r.string(v, k);
      if (!kPresets.count(c.preset)) {
        throw r.error(k, "unknown LyCORIS preset '" + c.preset + "'")
            .hint("use one of " + join(kPresets) +
                  " (preset .toml files are not supported; use apply_preset)");
      }
    } else if (k == "apply_preset") {
      // ST applies apply_preset only when it is non-empty.
      if (!(v.is_object() && v.empty()) && !v.is_null()) r.apply_preset(v, c);
    } else if (kIgnoredKeys.count(k)) {
      continue;
    } else if (kOffOnlyKeys.count(k)) {
      r.off(v, k);
    } else {
      throw r.error(k, "unknown LyCORIS option '" + k + "'")
          .hint(
              "options Reel reads: algo, multiplier, linear_dim, linear_alpha, factor, "
              "full_matrix, decompose_both, unbalanced_factorization, preset, apply_preset");
    }
  }
  if (c.full_matrix && c.algo != AdapterAlgo::kLoKr) {
    log::warn(source, ": full_matrix applies to lokr only; it is ignored for ",
              adapter_algo_name(c.algo));
  }
  return c;
}

LycorisConfig read_lycoris_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error("cannot read the LyCORIS config")
        .file(path.string())
        .hint("check the lycoris_config path in config.json");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_lycoris_config(text.str(), path.string());
}

}  // namespace reel
