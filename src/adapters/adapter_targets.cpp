#include "adapters/adapter_targets.h"

#include <map>
#include <regex>
#include <set>

#include "core/error.h"

namespace reel {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool starts_with(const std::string& s, const std::string& head) {
  return s.compare(0, head.size(), head) == 0;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A node of diffusers' WanTransformer3DModel module tree.
struct Node {
  std::string path;
  std::string cls;
  bool linear = false;
};

// "blocks.N" -> true.
bool is_block(const std::string& path) {
  static const std::regex re(R"(blocks\.\d+)");
  return std::regex_match(path, re);
}

std::string class_of(const std::string& path) {
  if (path.empty()) return "WanTransformer3DModel";
  if (path == "patch_embedding") return "Conv3d";
  if (path == "condition_embedder") return "WanTimeTextImageEmbedding";
  if (path == "condition_embedder.time_embedder") return "TimestepEmbedding";
  if (path == "condition_embedder.text_embedder") return "PixArtAlphaTextProjection";
  if (path == "condition_embedder.image_embedder") return "WanImageEmbedding";
  if (path == "condition_embedder.image_embedder.ff") return "FeedForward";
  if (path == "blocks") return "ModuleList";
  if (is_block(path)) return "WanTransformerBlock";
  const size_t dot = path.rfind('.');
  const std::string parent = path.substr(0, dot == std::string::npos ? 0 : dot);
  const std::string last = path.substr(dot == std::string::npos ? 0 : dot + 1);
  if (is_block(parent) && (last == "attn1" || last == "attn2")) return "Attention";
  if (is_block(parent) && last == "ffn") return "FeedForward";
  if (last == "to_out" || last == "net") return "ModuleList";
  if (ends_with(path, ".net.0")) return "GELU";
  return "Module";
}

// The tree in pre-order (children in diffusers' registration order, as linears() lists
// them), with every ancestor of a Linear. Norms are left out: nothing adapts them.
std::vector<Node> wan_module_tree(const std::vector<std::string>& linear_names) {
  std::vector<Node> nodes = {{"", class_of(""), false},
                             {"patch_embedding", class_of("patch_embedding"), false}};
  std::set<std::string> seen = {"", "patch_embedding"};
  for (const std::string& name : linear_names) {
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
      const std::string ancestor = name.substr(0, dot);
      if (seen.insert(ancestor).second) nodes.push_back({ancestor, class_of(ancestor), false});
    }
    if (seen.insert(name).second) nodes.push_back({name, "Linear", true});
  }
  return nodes;
}

// The node indices inside `root` (itself included), in pre-order.
std::vector<size_t> subtree(const std::vector<Node>& nodes, size_t root) {
  std::vector<size_t> out;
  const std::string& r = nodes[root].path;
  for (size_t i = root; i < nodes.size(); ++i) {
    const std::string& p = nodes[i].path;
    if (i == root || r.empty() || starts_with(p, r + ".")) out.push_back(i);
  }
  return out;
}

// Python's fnmatch.fnmatch (case-sensitive on POSIX): *, ?, [seq], [!seq].
bool fnmatch(const std::string& pattern, const std::string& name) {
  std::string re;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*') {
      re += ".*";
    } else if (c == '?') {
      re += ".";
    } else if (c == '[') {
      const size_t close = pattern.find(']', i + 2);
      if (close == std::string::npos) {
        re += "\\[";
        continue;
      }
      std::string set = pattern.substr(i + 1, close - i - 1);
      if (!set.empty() && set[0] == '!') set[0] = '^';
      re += "[" + set + "]";
      i = close;
    } else {
      if (std::string(".^$|()+{}\\").find(c) != std::string::npos) re += '\\';
      re += c;
    }
  }
  return std::regex_match(name, std::regex(re));
}

class LycorisPlanner {
 public:
  LycorisPlanner(const std::vector<std::string>& linear_names, const LycorisConfig& config)
      : config_(config), nodes_(wan_module_tree(linear_names)) {
    for (const auto& n : nodes_) classes_.insert(n.cls);
    check_classes(config.target_module, "apply_preset.target_module");
    std::vector<std::string> mapped;
    for (const auto& [cls, s] : config.module_algo_map) {
      mapped.push_back(cls);
      module_algo_map_[cls] = s;
    }
    check_classes(mapped, "apply_preset.module_algo_map");
    targets_.insert(config.target_module.begin(), config.target_module.end());
    targets_.insert(mapped.begin(), mapped.end());
    target_names_ = config.target_name;
    for (const auto& [name, s] : config.name_algo_map) target_names_.push_back(name);
  }

  std::vector<LycorisModulePlan> plan() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const Node& node = nodes_[i];
      if (matches_any(config_.exclude_name, node.path)) continue;
      const bool named = matches_any(target_names_, node.path);
      if (targets_.count(node.cls) && !named) {
        const LycorisModuleSettings* s = class_settings(node.cls);
        create_inside(i, s ? s->algo.value_or(config_.algo) : config_.algo, s);
      } else if (named) {
        const LycorisModuleSettings* s = name_settings(node.path);
        if (!s) s = class_settings(node.cls);
        if (node.linear) create(node, s ? s->algo.value_or(config_.algo) : config_.algo, s);
      }
    }
    return std::move(plans_);
  }

 private:
  void check_classes(const std::vector<std::string>& names, const std::string& key) const {
    // Classes LyCORIS' default list names that a Wan transformer has no adaptable one of.
    static const std::set<std::string> kNoOp = {"Conv1d",    "Conv2d",        "GroupNorm",
                                                "LayerNorm", "FP32LayerNorm", "RMSNorm"};
    for (const auto& n : names) {
      if (classes_.count(n) || kNoOp.count(n)) continue;
      std::set<std::string> known(classes_.begin(), classes_.end());
      known.erase("Module");
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error("'" + n + "' is not a module class of the Wan transformer")
          .file(config_.source)
          .key(key)
          .hint("classes are matched exactly; Wan has " + list);
    }
  }

  bool match(const std::string& pattern, const std::string& name) const {
    if (config_.use_fnmatch) return fnmatch(pattern, name);
    std::smatch m;
    return std::regex_search(name, m, std::regex(pattern), std::regex_constants::match_continuous);
  }

  bool matches_any(const std::vector<std::string>& patterns, const std::string& name) const {
    for (const auto& p : patterns) {
      if (p == name || match(p, name)) return true;
    }
    return false;
  }

  const LycorisModuleSettings* class_settings(const std::string& cls) const {
    auto it = module_algo_map_.find(cls);
    return it == module_algo_map_.end() ? nullptr : &it->second;
  }

  // LycorisNetwork.find_conf_for_name: an exact key first, then the first matching pattern.
  const LycorisModuleSettings* name_settings(const std::string& path) const {
    for (const auto& [name, s] : config_.name_algo_map) {
      if (name == path) return &s;
    }
    for (const auto& [name, s] : config_.name_algo_map) {
      if (match(name, path)) return &s;
    }
    return nullptr;
  }

  // LycorisNetwork's create_modules_: every Linear under `root`, nested module_algo_map
  // classes taking their own settings.
  void create_inside(size_t root, AdapterAlgo algo, const LycorisModuleSettings* settings) {
    for (size_t i : subtree(nodes_, root)) {
      const Node& node = nodes_[i];
      if (i != root && class_settings(node.cls)) {
        const LycorisModuleSettings* nested = class_settings(node.cls);
        create_inside(i, nested->algo.value_or(algo), nested);
        continue;
      }
      if (node.linear) create(node, algo, settings);
    }
  }

  void create(const Node& node, AdapterAlgo algo, const LycorisModuleSettings* s) {
    if (!created_.insert(node.path).second) return;
    LycorisModulePlan p;
    p.name = node.path;
    p.algo = algo;
    // As create_single_module: `dim or lora_dim`, `alpha or self.alpha`; the rest of the
    // module settings override the network's keyword arguments.
    p.dim = s && s->dim ? *s->dim : config_.linear_dim;
    p.alpha = s && s->alpha && *s->alpha != 0.0 ? *s->alpha : config_.linear_alpha;
    p.factor = s && s->factor ? *s->factor : config_.factor;
    p.full_matrix = s && s->full_matrix ? *s->full_matrix : config_.full_matrix;
    p.decompose_both = s && s->decompose_both ? *s->decompose_both : config_.decompose_both;
    p.unbalanced_factorization = s && s->unbalanced_factorization
                                     ? *s->unbalanced_factorization
                                     : config_.unbalanced_factorization;
    plans_.push_back(std::move(p));
  }

  const LycorisConfig& config_;
  std::vector<Node> nodes_;
  std::set<std::string> classes_;
  std::map<std::string, LycorisModuleSettings> module_algo_map_;
  std::set<std::string> targets_;
  std::vector<std::string> target_names_;
  std::set<std::string> created_;
  std::vector<LycorisModulePlan> plans_;
};

}  // namespace

std::vector<std::string> default_lora_target_modules() {
  return {"to_k", "to_q", "to_v", "to_out.0"};
}

std::vector<std::string> select_lora_targets(const std::vector<std::string>& linear_names,
                                             const std::vector<std::string>& target_modules) {
  std::vector<std::string> out;
  for (const std::string& name : linear_names) {
    for (const std::string& t : target_modules) {
      if (name == t || ends_with(name, "." + t)) {
        out.push_back(name);
        break;
      }
    }
  }
  if (out.empty()) {
    throw Error("no Linear of the transformer matches the LoRA targets [" + join(target_modules) +
                "]")
        .key("peft_lora_target_modules")
        .hint(
            "targets match the end of a diffusers module name, e.g. to_q, to_out.0, "
            "ffn.net.0.proj, proj_out");
  }
  return out;
}

std::vector<LycorisModulePlan> plan_lycoris_modules(const std::vector<std::string>& linear_names,
                                                    const LycorisConfig& config) {
  std::vector<LycorisModulePlan> plans = LycorisPlanner(linear_names, config).plan();
  if (plans.empty()) {
    throw Error("the LyCORIS config selects no Linear of the transformer")
        .file(config.source)
        .key("apply_preset")
        .hint(
            "check target_module / target_name (Reel adapts Linears only, not the "
            "patch_embedding Conv3d)");
  }
  return plans;
}

}  // namespace reel
