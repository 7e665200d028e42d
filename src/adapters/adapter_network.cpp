#include "adapters/adapter_network.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>

#include <map>

#include "adapters/adapter_keys.h"
#include "adapters/adapter_targets.h"
#include "adapters/locon_layer.h"
#include "adapters/loha_layer.h"
#include "adapters/lokr_layer.h"
#include "core/error.h"
#include "core/log.h"
#include "core/shape_text.h"
#include "models/wan/wan_transformer.h"
#include "nn/linear.h"

namespace reel {
namespace {

// The model's Linears by name, and their names in the model's order.
struct LinearIndex {
  std::vector<std::string> names;
  std::map<std::string, nn::Linear*> by_name;

  explicit LinearIndex(WanTransformer& model) {
    for (auto& [name, linear] : model.linears()) {
      names.push_back(name);
      by_name[name] = linear;
    }
  }

  nn::Linear* at(const std::string& name) const { return by_name.at(name); }
};

// A per-module seed for LoRA dropout masks, distinct for every module of a network.
uint64_t module_seed(uint64_t seed, size_t index) {
  uint64_t x = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <class Items>
std::string first_few(const Items& items, size_t n = 5) {
  std::string out;
  size_t i = 0;
  for (const auto& item : items) {
    if (i++ == n) {
      out += ", ... (" + std::to_string(items.size()) + " in all)";
      break;
    }
    out += (out.empty() ? "" : ", ") + item;
  }
  return out;
}

}  // namespace

AdapterNetwork::AdapterNetwork(AdapterNetwork&&) noexcept = default;
AdapterNetwork& AdapterNetwork::operator=(AdapterNetwork&&) noexcept = default;
AdapterNetwork::~AdapterNetwork() = default;

AdapterNetwork AdapterNetwork::create_lora(WanTransformer& model,
                                           const LoraNetworkOptions& options) {
  const LinearIndex linears(model);
  const std::vector<std::string> targets = select_lora_targets(
      linears.names,
      options.target_modules.empty() ? default_lora_target_modules() : options.target_modules);
  LoraLayerOptions layer;
  layer.rank = options.rank;
  layer.alpha = options.alpha.value_or(static_cast<double>(options.rank));
  layer.dropout = options.dropout;
  layer.init = options.init;
  layer.dtype = options.dtype;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  std::vector<Module> modules;
  for (size_t i = 0; i < targets.size(); ++i) {
    nn::Linear* linear = linears.at(targets[i]);
    layer.device = linear->weight.device();
    auto adapter = std::make_shared<LoraLayer>(linear->weight.size(1), linear->weight.size(0),
                                               layer, gen, module_seed(options.seed, i));
    modules.push_back({targets[i], linear, std::move(adapter)});
  }
  AdapterNetwork net;
  net.attach(std::move(modules));
  log::info("LoRA: ", net.size(), " modules, rank ", options.rank, ", alpha ", layer.alpha);
  return net;
}

AdapterNetwork AdapterNetwork::create_lycoris(WanTransformer& model, const LycorisConfig& config,
                                              uint64_t seed, at::ScalarType dtype) {
  const LinearIndex linears(model);
  const std::vector<LycorisModulePlan> plans = plan_lycoris_modules(linears.names, config);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<Module> modules;
  std::map<std::string, int> algo_count;
  for (const LycorisModulePlan& p : plans) {
    nn::Linear* linear = linears.at(p.name);
    const int64_t in = linear->weight.size(1), out = linear->weight.size(0);
    const at::Device device = linear->weight.device();
    std::shared_ptr<ModuleAdapter> adapter;
    switch (p.algo) {
      case AdapterAlgo::kLoKr: {
        LokrOptions o;
        o.dim = p.dim;
        o.alpha = p.alpha;
        o.factor = p.factor;
        o.full_matrix = p.full_matrix;
        o.decompose_both = p.decompose_both;
        o.unbalanced_factorization = p.unbalanced_factorization;
        o.dtype = dtype;
        o.device = device;
        adapter = std::make_shared<LokrLayer>(in, out, o, gen);
        break;
      }
      case AdapterAlgo::kLoHa:
        adapter = std::make_shared<LohaLayer>(in, out, p.dim, p.alpha, dtype, device, gen);
        break;
      case AdapterAlgo::kLoCon:
      case AdapterAlgo::kLora:
        adapter = std::make_shared<LoconLayer>(in, out, p.dim, p.alpha, dtype, device, gen);
        break;
    }
    ++algo_count[std::string(adapter_algo_name(p.algo))];
    modules.push_back({p.name, linear, std::move(adapter)});
  }
  AdapterNetwork net;
  net.lycoris_ = std::make_unique<LycorisConfig>(config);
  net.attach(std::move(modules));
  net.set_multiplier(config.multiplier);
  std::string table;
  for (auto& [algo, n] : algo_count) table += " " + algo + " " + std::to_string(n);
  log::info("LyCORIS: ", net.size(), " modules (", table.substr(1),
            "); the patch_embedding Conv3d is not adapted");
  return net;
}

AdapterNetwork AdapterNetwork::from_weights(WanTransformer& model, const AdapterWeightSet& weights,
                                            const LoadedAdapterOptions& options) {
  const LinearIndex linears(model);
  std::vector<std::string> unknown, mismatched;
  std::map<std::string, std::shared_ptr<ModuleAdapter>> made;
  size_t index = 0;
  for (const auto& [name, w] : weights) {
    auto it = linears.by_name.find(name);
    if (it == linears.by_name.end()) {
      unknown.push_back(name);
      continue;
    }
    nn::Linear* linear = it->second;
    const at::Device device = linear->weight.device();
    std::shared_ptr<ModuleAdapter> adapter;
    switch (w.algo) {
      case AdapterAlgo::kLora: {
        LoraLayerOptions o;
        o.dropout = options.dropout;
        o.dtype = options.dtype;
        o.device = device;
        adapter = std::make_shared<LoraLayer>(w.at("lora_A", name), w.at("lora_B", name), w.alpha,
                                              o, module_seed(options.seed, index));
        break;
      }
      case AdapterAlgo::kLoCon:
        adapter = std::make_shared<LoconLayer>(w.at("lora_A", name), w.at("lora_B", name), w.alpha,
                                               options.dtype, device);
        break;
      case AdapterAlgo::kLoHa:
        adapter = std::make_shared<LohaLayer>(w, name, options.dtype, device);
        break;
      case AdapterAlgo::kLoKr:
        adapter = std::make_shared<LokrLayer>(w, name, options.dtype, device);
        break;
    }
    ++index;
    if (adapter->in_features() != linear->weight.size(1) ||
        adapter->out_features() != linear->weight.size(0)) {
      mismatched.push_back(name + " (adapter " + std::to_string(adapter->out_features()) + "x" +
                           std::to_string(adapter->in_features()) + ", layer " +
                           shape_text(linear->weight.sizes()) + ")");
      continue;
    }
    if (w.bias.defined()) adapter->set_bias_delta(w.bias.to(device, options.dtype));
    made[name] = std::move(adapter);
  }
  if (!unknown.empty() || !mismatched.empty()) {
    std::string what;
    if (!unknown.empty()) what += "modules the transformer does not have: " + first_few(unknown);
    if (!mismatched.empty()) {
      what += std::string(what.empty() ? "" : "; ") +
              "shapes that do not fit: " + first_few(mismatched);
    }
    throw Error("the adapter does not fit this transformer: " + what)
        .hint("was the LoRA trained for another Wan model (e.g. 14B vs 1.3B, or I2V vs T2V)?");
  }
  if (made.empty()) throw Error("the adapter holds no modules").hint("check the adapter file");
  std::vector<Module> modules;
  for (const std::string& name : linears.names) {
    auto it = made.find(name);
    if (it != made.end()) modules.push_back({name, linears.at(name), it->second});
  }
  AdapterNetwork net;
  net.attach(std::move(modules));
  return net;
}

void AdapterNetwork::attach(std::vector<Module> modules) {
  for (const Module& m : modules) {
    if (m.linear->adapter) {
      throw Error("'" + m.name + "' already has an adapter")
          .key(m.name)
          .hint("remove() or merge the other adapter network first");
    }
  }
  lycoris_layout_ = false;
  for (Module& m : modules) {
    m.linear->adapter = m.adapter;
    lycoris_layout_ = lycoris_layout_ || is_lycoris_algo(m.adapter->algo());
  }
  modules_ = std::move(modules);
  attached_ = true;
}

std::vector<std::string> AdapterNetwork::module_names() const {
  std::vector<std::string> out;
  for (const Module& m : modules_) out.push_back(m.name);
  return out;
}

const ModuleAdapter& AdapterNetwork::adapter(const std::string& module) const {
  for (const Module& m : modules_) {
    if (m.name == module) return *m.adapter;
  }
  throw Error("no adapter on '" + module + "'").key(module);
}

std::string AdapterNetwork::parameter_key(const Module& m, const std::string& tensor) const {
  if (!is_lycoris()) return adapter_key(AdapterLayout::kComfyUI, m.name, tensor);
  return adapter_key(AdapterLayout::kLycoris, m.name, tensor,
                     lycoris_ ? lycoris_->lora_prefix : "lycoris");
}

std::vector<std::pair<std::string, at::Tensor>> AdapterNetwork::named_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const Module& m : modules_) {
    for (auto& [name, t] : m.adapter->named_parameters()) {
      out.emplace_back(parameter_key(m, name), t);
    }
  }
  return out;
}

std::vector<at::Tensor> AdapterNetwork::parameters() const {
  std::vector<at::Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

void AdapterNetwork::load_parameters(
    const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::map<std::string, at::Tensor> given(tensors.begin(), tensors.end());
  std::vector<std::string> missing, mismatched;
  const auto params = named_parameters();
  for (const auto& [name, p] : params) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else {
      if (it->second.sizes() != p.sizes()) {
        mismatched.push_back(name + " " + shape_text(it->second.sizes()) + " (expected " +
                             shape_text(p.sizes()) + ")");
      }
      given.erase(it);
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [name, t] : given) unknown.push_back(name);
  if (!missing.empty() || !mismatched.empty() || !unknown.empty()) {
    std::string what;
    const auto add = [&what](const char* label, const std::vector<std::string>& names) {
      if (!names.empty()) {
        what += std::string(what.empty() ? "" : "; ") + label + ": " + first_few(names);
      }
    };
    add("missing", missing);
    add("unknown", unknown);
    add("wrong shape", mismatched);
    throw Error("adapter tensors do not match the network: " + what)
        .hint("resume with the same adapter settings (type, rank, targets) the run began with");
  }
  c10::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  for (const auto& [name, p] : params) {
    at::Tensor dst = p;
    dst.copy_(by_name.at(name));
  }
}

void AdapterNetwork::load_weights(const AdapterWeightSet& weights) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  std::vector<std::string> problems;
  for (const Module& m : modules_) {
    auto it = weights.find(m.name);
    if (it == weights.end()) {
      problems.push_back(m.name + " is missing");
      continue;
    }
    const AdapterWeights& w = it->second;
    if (w.algo != m.adapter->algo() || w.alpha != m.adapter->alpha()) {
      problems.push_back(m.name + " is " + std::string(adapter_algo_name(w.algo)) + " alpha " +
                         std::to_string(w.alpha) + ", the network's " +
                         std::string(adapter_algo_name(m.adapter->algo())) + " alpha " +
                         std::to_string(m.adapter->alpha()));
      continue;
    }
    for (auto& [name, t] : w.tensors) tensors.emplace_back(parameter_key(m, name), t);
  }
  for (const auto& [name, w] : weights) {
    bool known = false;
    for (const Module& m : modules_) known = known || m.name == name;
    if (!known) problems.push_back(name + " is not adapted by this network");
  }
  if (!problems.empty()) {
    throw Error("the adapter weights do not match the network: " + first_few(problems))
        .hint("resume with the same adapter settings (type, rank, alpha, targets)");
  }
  load_parameters(tensors);
}

AdapterWeightSet AdapterNetwork::weights() const {
  AdapterWeightSet out;
  for (const Module& m : modules_) out[m.name] = m.adapter->weights();
  return out;
}

void AdapterNetwork::set_training(bool training) {
  training_ = training;
  for (Module& m : modules_) m.adapter->set_training(training);
}

void AdapterNetwork::set_multiplier(double multiplier) {
  multiplier_ = multiplier;
  for (Module& m : modules_) m.adapter->set_multiplier(multiplier);
}

void AdapterNetwork::new_dropout_pass(uint64_t pass) {
  for (Module& m : modules_) m.adapter->new_dropout_pass(pass);
}

void AdapterNetwork::replay_dropout() {
  for (Module& m : modules_) m.adapter->replay_dropout();
}

void AdapterNetwork::remove() {
  for (Module& m : modules_) {
    if (m.linear->adapter.get() == m.adapter.get()) m.linear->adapter.reset();
  }
  attached_ = false;
}

void AdapterNetwork::merge_into_base() {
  if (!attached_) {
    throw Error("merge_into_base: the adapters are not attached")
        .hint("merge once, while the network is attached");
  }
  c10::NoGradGuard no_grad;
  for (Module& m : modules_) {
    at::Tensor& w = m.linear->weight;
    // Added in float32 at least: a bfloat16 sum would round most of a small delta away.
    const at::ScalarType sum_type = at::promote_types(w.scalar_type(), at::kFloat);
    const at::Tensor merged = w.to(sum_type) + m.adapter->delta_weight().to(w.device(), sum_type);
    w.copy_(merged);
    if (m.adapter->bias_delta().defined()) {
      const at::Tensor db =
          m.adapter->bias_delta().to(w.device(), sum_type) * m.adapter->multiplier();
      if (m.linear->bias.defined()) {
        m.linear->bias.copy_(m.linear->bias.to(sum_type) + db);
      } else {
        m.linear->bias = db.to(w.scalar_type());
      }
    }
  }
  remove();
}

}  // namespace reel
