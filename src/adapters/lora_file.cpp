#include "adapters/lora_file.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <utility>

#include "adapters/adapter_network.h"
#include "adapters/wan_adapter_names.h"
#include "core/error.h"
#include "core/log.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "core/shape_text.h"
#include "models/wan/wan_weight_names.h"

namespace reel {
namespace {

using nlohmann::json;

bool starts_with(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "2" for 2.0, "0.5" for 0.5: how Python's str() would write the alpha.
std::string number_text(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

json number_json(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) return json(static_cast<int64_t>(v));
  return json(v);
}

int64_t rank_of(const AdapterWeights& w) {
  switch (w.algo) {
    case AdapterAlgo::kLora:
    case AdapterAlgo::kLoCon:
      return w.tensors.count("lora_A") ? w.tensors.at("lora_A").size(0) : 0;
    case AdapterAlgo::kLoHa:
      return w.tensors.count("hada_w1_a") ? w.tensors.at("hada_w1_a").size(1) : 0;
    case AdapterAlgo::kLoKr:
      if (w.tensors.count("lokr_w1_a")) return w.tensors.at("lokr_w1_a").size(1);
      if (w.tensors.count("lokr_w2_a")) return w.tensors.at("lokr_w2_a").size(1);
      return 1;
  }
  return 0;
}

template <class T>
T most_common(const std::vector<T>& values) {
  std::map<T, size_t> count;
  for (const T& v : values) ++count[v];
  return std::max_element(count.begin(), count.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

// The PEFT LoraConfig (a subset every PEFT version accepts) with `transformer.` keys.
std::string peft_adapter_metadata(const AdapterWeightSet& weights,
                                  const AdapterSaveOptions& options, int64_t r, double alpha) {
  json config;
  json rank_pattern = json::object(), alpha_pattern = json::object();
  bool any_bias = false;
  std::set<std::string> targets(options.target_modules.begin(), options.target_modules.end());
  for (const auto& [name, w] : weights) {
    if (rank_of(w) != r) rank_pattern[name] = rank_of(w);
    if (w.alpha != alpha) alpha_pattern[name] = number_json(w.alpha);
    any_bias = any_bias || w.bias.defined();
    if (options.target_modules.empty()) {
      const size_t dot = starts_with(name, "blocks.") ? name.find('.', 7) : std::string::npos;
      targets.insert(dot == std::string::npos ? name : name.substr(dot + 1));
    }
  }
  config["alpha_pattern"] = alpha_pattern;
  config["bias"] = "none";
  config["fan_in_fan_out"] = false;
  config["inference_mode"] = false;
  config["init_lora_weights"] =
      options.lora_init == "default" ? json(true) : json(options.lora_init);
  config["lora_alpha"] = number_json(alpha);
  if (any_bias) config["lora_bias"] = true;
  config["lora_dropout"] = options.lora_dropout;
  config["peft_type"] = "LORA";
  config["r"] = r;
  config["rank_pattern"] = rank_pattern;
  config["target_modules"] = std::vector<std::string>(targets.begin(), targets.end());
  config["use_dora"] = false;
  config["use_rslora"] = false;
  json prefixed = json::object();
  for (auto it = config.begin(); it != config.end(); ++it) {
    prefixed["transformer." + it.key()] = it.value();
  }
  // json.dumps(..., indent=2, sort_keys=True): std::map keys are sorted already.
  return prefixed.dump(2, ' ', /*ensure_ascii=*/true);
}

}  // namespace

void save_adapter_file(const std::filesystem::path& path, const AdapterWeightSet& weights,
                       const AdapterSaveOptions& options) {
  if (weights.empty()) throw Error("no adapter modules to save").file(path.string());
  const AdapterLayout layout = options.layout;
  if (layout == AdapterLayout::kLycoris && options.lycoris_config.empty()) {
    throw Error("a LyCORIS file needs its lycoris_config").file(path.string());
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  std::vector<int64_t> ranks;
  std::vector<double> alphas;
  std::set<std::string> algos;
  for (const auto& [module, w] : weights) {
    if (layout != AdapterLayout::kLycoris &&
        (w.algo == AdapterAlgo::kLoHa || w.algo == AdapterAlgo::kLoKr)) {
      throw Error(std::string(adapter_algo_name(w.algo)) + " module '" + module +
                  "' cannot be saved in the " + adapter_layout_name(layout) + " layout")
          .file(path.string())
          .hint("LoKr and LoHa are saved in LyCORIS' own layout");
    }
    const std::string& prefix = options.lycoris_prefix;
    for (const auto& [name, t] : w.tensors) {
      tensors.emplace_back(adapter_key(layout, module, name, prefix), t.detach());
    }
    const int64_t r = rank_of(w);
    ranks.push_back(r);
    alphas.push_back(w.alpha);
    algos.insert(std::string(adapter_algo_name(w.algo)));
    if (w.bias.defined()) {
      // PEFT scales lora_B's bias with alpha/r, ComfyUI adds .diff_b as it is.
      const double scale = w.alpha / static_cast<double>(r);
      const at::Tensor bias = layout == AdapterLayout::kDiffusers ? w.bias / scale : w.bias;
      tensors.emplace_back(adapter_key(layout, module, "bias", prefix), bias.detach());
    }
    if (layout != AdapterLayout::kDiffusers) {
      tensors.emplace_back(adapter_key(layout, module, "alpha", prefix),
                           at::scalar_tensor(w.alpha, at::kFloat));
    }
  }

  const int64_t rank = most_common(ranks);
  const double alpha = most_common(alphas);
  std::string algorithm;
  for (const auto& a : algos) algorithm += (algorithm.empty() ? "" : ",") + a;
  std::map<std::string, std::string> metadata;
  metadata["global_step"] = std::to_string(options.step);
  metadata["modelspec.sai_model_spec"] = "1.0.1";
  if (!options.flavour.empty()) {
    metadata["modelspec.architecture"] = "wan-" + options.flavour + "/lora";
  }
  metadata["modelspec.implementation"] = "diffusers";
  metadata["reel.base_model"] = options.base_model;
  metadata["reel.flavour"] = options.flavour;
  metadata["reel.rank"] = std::to_string(rank);
  metadata["reel.alpha"] = number_text(alpha);
  metadata["reel.algorithm"] = algorithm;
  metadata["reel.layout"] = adapter_layout_name(layout);
  if (layout == AdapterLayout::kDiffusers) {
    metadata["format"] = "pt";
    metadata["lora_adapter_metadata"] = peft_adapter_metadata(weights, options, rank, alpha);
  }
  if (layout == AdapterLayout::kLycoris) metadata["lycoris_config"] = options.lycoris_config;
  for (const auto& [k, v] : options.metadata) metadata[k] = v;
  write_safetensors(path, tensors, metadata);
}

void save_adapter_network(const std::filesystem::path& path, const AdapterNetwork& network,
                          AdapterSaveOptions options) {
  if (network.is_lycoris()) {
    options.layout = AdapterLayout::kLycoris;
    if (const LycorisConfig* config = network.lycoris_config()) {
      options.lycoris_config = config->json;
      options.lycoris_prefix = config->lora_prefix;
    }
  }
  save_adapter_file(path, network.weights(), options);
}

// ---------------------------------------------------------------------------------------
// Loading.

namespace {

// A key's tensor part (after the module name) and what it is.
struct Suffix {
  const char* text;
  const char* tensor;  // AdapterWeights name, "alpha", "bias", "peft_bias", "diff", or ""
                       // for factors Reel does not support
};

constexpr Suffix kSuffixes[] = {
    {"lora_A.weight", "lora_A"},
    {"lora_down.weight", "lora_A"},
    {"lora_B.weight", "lora_B"},
    {"lora_up.weight", "lora_B"},
    {"lora_B.bias", "peft_bias"},
    {"alpha", "alpha"},
    {"diff_b", "bias"},
    {"diff", "diff"},
    {"lokr_w1", "lokr_w1"},
    {"lokr_w1_a", "lokr_w1_a"},
    {"lokr_w1_b", "lokr_w1_b"},
    {"lokr_w2", "lokr_w2"},
    {"lokr_w2_a", "lokr_w2_a"},
    {"lokr_w2_b", "lokr_w2_b"},
    {"hada_w1_a", "hada_w1_a"},
    {"hada_w1_b", "hada_w1_b"},
    {"hada_w2_a", "hada_w2_a"},
    {"hada_w2_b", "hada_w2_b"},
    {"lokr_t2", ""},
    {"hada_t1", ""},
    {"hada_t2", ""},
    {"lora_mid.weight", ""},
    {"dora_scale", ""},
};

struct ParsedKey {
  std::string format;  // diffusers, comfyui, musubi, lycoris
  std::string module;  // as spelled in the key, prefix removed
  bool flat = false;   // module names with '_' for '.'
  const Suffix* suffix = nullptr;
};

std::optional<ParsedKey> parse_key(const std::string& key, const std::string& lycoris_prefix) {
  ParsedKey p;
  std::string rest = key;
  if (starts_with(key, "model.diffusion_model.") || starts_with(key, "diffusion_model.")) {
    p.format = "comfyui";
    rest = std::string(strip_wan_comfy_prefix(key));
  } else if (starts_with(key, "transformer.")) {
    p.format = "diffusers";
    rest = key.substr(12);
  } else if (starts_with(key, "lora_unet_")) {
    p.format = "musubi";
    rest = key.substr(10);
    p.flat = true;
  } else if (starts_with(key, lycoris_prefix + "_")) {
    p.format = "lycoris";
    rest = key.substr(lycoris_prefix.size() + 1);
    p.flat = true;
  } else {
    p.format = "diffusers";
  }
  if (p.flat) {
    const size_t dot = rest.find('.');
    if (dot == std::string::npos) return std::nullopt;
    p.module = rest.substr(0, dot);
    for (const Suffix& s : kSuffixes) {
      if (rest.compare(dot + 1, std::string::npos, s.text) == 0) p.suffix = &s;
    }
  } else {
    // The longest suffix that ends the key after a '.'.
    size_t best = 0;
    for (const Suffix& s : kSuffixes) {
      const std::string tail = std::string(".") + s.text;
      if (ends_with(rest, tail) && tail.size() > best) {
        best = tail.size();
        p.suffix = &s;
        p.module = rest.substr(0, rest.size() - tail.size());
      }
    }
  }
  if (!p.suffix || p.module.empty()) return std::nullopt;
  return p;
}

std::optional<std::string> linear_of(const ParsedKey& p) {
  return p.flat ? wan_linear_name_from_flat(p.module) : wan_linear_name(p.module);
}

// Alphas from diffusers' lora_adapter_metadata: lora_alpha and alpha_pattern.
struct MetadataAlpha {
  std::optional<double> alpha;
  std::vector<std::pair<std::string, double>> patterns;

  std::optional<double> for_module(const std::string& module) const {
    for (const auto& [pattern, a] : patterns) {
      // PEFT's get_pattern_key: re.match(rf"(.*\.)?({pattern})$", key).
      try {
        if (std::regex_match(module, std::regex("(.*\\.)?(" + pattern + ")"))) return a;
      } catch (const std::regex_error&) {
        if (module == pattern) return a;
      }
    }
    return alpha;
  }
};

MetadataAlpha metadata_alpha(const std::map<std::string, std::string>& metadata,
                             const std::filesystem::path& path) {
  MetadataAlpha out;
  auto it = metadata.find("lora_adapter_metadata");
  if (it == metadata.end()) return out;
  json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    log::warn(path.string(), ": lora_adapter_metadata is not a JSON object; ignored");
    return out;
  }
  for (const char* key : {"transformer.lora_alpha", "lora_alpha"}) {
    if (j.contains(key) && j[key].is_number()) {
      out.alpha = j[key].get<double>();
      break;
    }
  }
  for (const char* key : {"transformer.alpha_pattern", "alpha_pattern"}) {
    if (j.contains(key) && j[key].is_object()) {
      for (auto p = j[key].begin(); p != j[key].end(); ++p) {
        if (p.value().is_number()) out.patterns.emplace_back(p.key(), p.value().get<double>());
      }
      break;
    }
  }
  return out;
}

std::string lycoris_prefix_of(const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find("lycoris_config");
  if (it != metadata.end()) {
    json j = json::parse(it->second, nullptr, false);
    if (j.is_object() && j.contains("apply_preset") && j["apply_preset"].is_object() &&
        j["apply_preset"].contains("lora_prefix") && j["apply_preset"]["lora_prefix"].is_string()) {
      return j["apply_preset"]["lora_prefix"].get<std::string>();
    }
  }
  return "lycoris";
}

std::string first_few(const std::vector<std::string>& items, size_t n = 5) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < n; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > n) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

// A module's tensors as read, before they are checked.
struct RawModule {
  std::map<std::string, at::Tensor> tensors;
  at::Tensor alpha, bias, peft_bias;
  std::string alpha_key;
  bool lycoris = false;
  std::vector<std::string> keys;
};

AdapterAlgo algo_of(const RawModule& m, const std::string& module, const std::string& file) {
  bool lora = false, lokr = false, loha = false;
  for (const auto& [name, t] : m.tensors) {
    lora = lora || starts_with(name, "lora_");
    lokr = lokr || starts_with(name, "lokr_");
    loha = loha || starts_with(name, "hada_");
  }
  if (int(lora) + int(lokr) + int(loha) != 1) {
    throw Error("module '" + module + "' has " +
                (lora || lokr || loha ? "factors of several algorithms" : "no adapter factors") +
                ": " + first_few(m.keys))
        .file(file)
        .key(module)
        .hint(
            "an adapter module needs lora_A/lora_B (or lora_down/lora_up), lokr_* or hada_* "
            "tensors");
  }
  if (lokr) return AdapterAlgo::kLoKr;
  if (loha) return AdapterAlgo::kLoHa;
  return m.lycoris ? AdapterAlgo::kLoCon : AdapterAlgo::kLora;
}

double scalar_of(const at::Tensor& t, const std::string& key, const std::string& file) {
  if (t.numel() != 1) {
    throw Error("'" + key + "' should hold one number but has shape " + shape_text(t.sizes()))
        .file(file)
        .key(key);
  }
  return t.to(at::kDouble).item<double>();
}

}  // namespace

AdapterFile load_adapter_file(const std::filesystem::path& path,
                              const AdapterLoadOptions& options) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  const std::string file_name = path.string();
  AdapterFile out;
  out.path = path;
  out.metadata = file.metadata();
  const std::string lycoris_prefix = lycoris_prefix_of(out.metadata);

  std::map<std::string, RawModule> raw;
  std::vector<std::string> unknown, unsupported, full_diffs;
  for (const TensorInfo& info : file.tensors()) {
    const std::string& key = info.name;
    const std::optional<ParsedKey> p = parse_key(key, lycoris_prefix);
    if (!p) {
      unknown.push_back(key);
      continue;
    }
    if (out.format.empty()) out.format = p->format;
    const std::optional<std::string> module = linear_of(*p);
    const std::string tensor = p->suffix->tensor;
    if (!module) {
      // diffusers drops the (zero) diffs of norm layers; so does Reel.
      if ((tensor == "diff" || tensor == "bias") && p->module.find("norm") != std::string::npos) {
        log::debug(file_name, ": ignoring norm diff '", key, "'");
        continue;
      }
      unknown.push_back(key);
      continue;
    }
    if (tensor.empty()) {
      unsupported.push_back(key);
      continue;
    }
    if (tensor == "diff") {
      full_diffs.push_back(key);
      continue;
    }
    RawModule& m = raw[*module];
    m.keys.push_back(key);
    m.lycoris = m.lycoris || p->format == "lycoris";
    const at::Tensor t = file.tensor(key);
    if (tensor == "alpha") {
      m.alpha = t;
      m.alpha_key = key;
    } else if (tensor == "bias") {
      m.bias = t;
    } else if (tensor == "peft_bias") {
      m.peft_bias = t;
    } else if (m.tensors.count(tensor)) {
      throw Error("module '" + *module + "' has '" + tensor + "' twice: " + first_few(m.keys))
          .file(file_name)
          .key(key)
          .hint("the file mixes spellings (lora_A and lora_down) for one module");
    } else {
      m.tensors[tensor] = t;
    }
  }
  if (!unknown.empty()) {
    throw Error(
        std::to_string(unknown.size()) +
        " key(s) are not adapter weights of a Wan transformer Linear: " + first_few(unknown))
        .file(file_name)
        .key(unknown.front())
        .hint(
            "Reel reads diffusers/PEFT, ComfyUI, musubi-tuner and LyCORIS LoRA files for the "
            "Wan transformer");
  }
  if (!unsupported.empty()) {
    throw Error("the file uses adapter factors Reel does not support (Tucker, DoRA): " +
                first_few(unsupported))
        .file(file_name)
        .key(unsupported.front());
  }
  if (!full_diffs.empty()) {
    throw Error("the file holds full weight differences (.diff), which Reel does not apply: " +
                first_few(full_diffs))
        .file(file_name)
        .key(full_diffs.front());
  }
  if (raw.empty()) throw Error("the file holds no adapter weights").file(file_name);

  const MetadataAlpha meta_alpha = metadata_alpha(out.metadata, path);
  for (auto& [module, m] : raw) {
    AdapterWeights w;
    w.algo = algo_of(m, module, file_name);
    w.tensors = std::move(m.tensors);
    if (w.algo == AdapterAlgo::kLora || w.algo == AdapterAlgo::kLoCon) {
      if (!w.tensors.count("lora_A") || !w.tensors.count("lora_B")) {
        throw Error("module '" + module + "' lacks its " +
                    (w.tensors.count("lora_A") ? "up (lora_B)" : "down (lora_A)") +
                    " matrix: " + first_few(m.keys))
            .file(file_name)
            .key(module);
      }
      const at::Tensor& a = w.tensors["lora_A"];
      const at::Tensor& b = w.tensors["lora_B"];
      if (a.dim() != 2 || b.dim() != 2 || a.size(0) != b.size(1)) {
        throw Error("LoRA matrices of '" + module + "' do not fit together: A " +
                    shape_text(a.sizes()) + ", B " + shape_text(b.sizes()))
            .file(file_name)
            .key(module)
            .hint("expected lora_A [rank, in] and lora_B [out, rank]");
      }
    }
    const double rank = static_cast<double>(rank_of(w));
    if (m.alpha.defined()) {
      w.alpha = scalar_of(m.alpha, m.alpha_key, file_name);
    } else if (w.algo == AdapterAlgo::kLora) {
      w.alpha = meta_alpha.for_module(module).value_or(options.alpha.value_or(rank));
    } else {
      w.alpha = 0.0;  // LyCORIS: alpha = dim
    }
    if (m.bias.defined()) w.bias = m.bias;
    if (m.peft_bias.defined()) w.bias = m.peft_bias * (w.alpha / rank);
    if (w.bias.defined() && w.algo != AdapterAlgo::kLora) {
      throw Error("a bias delta on the " + std::string(adapter_algo_name(w.algo)) + " module '" +
                  module + "' is not supported")
          .file(file_name)
          .key(module);
    }
    out.modules[module] = std::move(w);
  }
  log::debug(file_name, ": ", out.modules.size(), " adapter modules (", out.format, ")");
  return out;
}

}  // namespace reel
