#include "train/optimizer_config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace reel {
namespace {

constexpr const char* kConfigKey = "optimizer_config";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string text_of(const OptimizerConfigValue& v) {
  struct {
    std::string operator()(std::monostate) const { return "none"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      std::ostringstream s;
      s << d;
      return s.str();
    }
    std::string operator()(const std::string& t) const { return "'" + t + "'"; }
  } visit;
  return std::visit(visit, v);
}

// Python's float() of a value ST decided is a float; decimal notation only.
double parse_float(const std::string& key, const std::string& value) {
  const char* begin = value.c_str();
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(begin, &end);
  const bool hex = value.find_first_of("xX") != std::string::npos;
  if (value.empty() || hex || end != begin + value.size() || errno == ERANGE)
    throw Error("'" + key + "=" + value + "': '" + value + "' is not a number")
        .key(kConfigKey)
        .hint("a value with '.' or 'e-' is read as a float; write e.g. 0.01 or 1e-6");
  return d;
}

// ---------------------------------------------------------------------------------------
// The keys each optimizer takes.

enum class Family {
  kTorchAdamW,
  kAdamWBF16,
  kOptimiAdamW,
  kOptimiLion,
  kBnbAdamW8bit,
  kBnbLion8bit
};

struct Choice {
  std::string name;
  Family family;
};

const std::vector<Choice>& choices() {
  static const std::vector<Choice> kChoices = {
      {"adamw_bf16", Family::kAdamWBF16},       {"torch-adamw", Family::kTorchAdamW},
      {"optimi-adamw", Family::kOptimiAdamW},   {"optimi-lion", Family::kOptimiLion},
      {"bnb-adamw8bit", Family::kBnbAdamW8bit}, {"bnb-adamw8bit-paged", Family::kBnbAdamW8bit},
      {"bnb-lion8bit", Family::kBnbLion8bit},   {"bnb-lion8bit-paged", Family::kBnbLion8bit},
      {"adamw", Family::kTorchAdamW},
  };
  return kChoices;
}

Family family_of(const std::string& optimizer) {
  for (const Choice& c : choices())
    if (c.name == optimizer) return c.family;
  throw Error("unknown optimizer '" + optimizer + "'")
      .key("optimizer")
      .hint("Reel implements: " + join(supported_optimizers()));
}

using Setter = std::function<void(OptimizerSettings&, const std::string& key,
                                  const OptimizerConfigValue& value)>;

struct KeySpec {
  std::string name;
  std::vector<Family> families;
  Setter set;
};

[[noreturn]] void wrong_type(const std::string& key, const OptimizerConfigValue& value,
                             const std::string& expected) {
  Error e("'" + key + "' is " + text_of(value) + ", expected " + expected);
  e.key(kConfigKey);
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (!text->empty() && (std::isdigit(static_cast<unsigned char>(text->front())) ||
                           text->front() == '-' || text->front() == '+'))
      e.hint(
          "SimpleTuner reads a value as a number only when it has a '.' or 'e-', or is all "
          "digits, so '" +
          *text + "' stays text; write it as a decimal (100000.0, 0.000001) or with 'e-' (1e-6)");
  }
  throw e;
}

double as_float(const std::string& key, const OptimizerConfigValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  wrong_type(key, value, "a number");
}

bool as_bool(const std::string& key, const OptimizerConfigValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  if (const auto* i = std::get_if<int64_t>(&value); i && (*i == 0 || *i == 1)) return *i == 1;
  wrong_type(key, value, "true or false");
}

double at_least_zero(const std::string& key, double v) {
  if (!(v >= 0) || !std::isfinite(v))
    throw Error("'" + key + "' is " + text_of(v) + ", expected a finite value >= 0")
        .key(kConfigKey);
  return v;
}

double beta(const std::string& key, double v) {
  if (!(v >= 0 && v < 1))
    throw Error("'" + key + "' is " + text_of(v) + ", expected a value in [0, 1)").key(kConfigKey);
  return v;
}

const std::vector<KeySpec>& key_specs() {
  using F = Family;
  const std::vector<F> all = {F::kTorchAdamW, F::kAdamWBF16,    F::kOptimiAdamW,
                              F::kOptimiLion, F::kBnbAdamW8bit, F::kBnbLion8bit};
  const std::vector<F> with_eps = {F::kTorchAdamW, F::kAdamWBF16, F::kOptimiAdamW,
                                   F::kBnbAdamW8bit};
  const std::vector<F> optimi = {F::kOptimiAdamW, F::kOptimiLion};
  const std::vector<F> bnb = {F::kBnbAdamW8bit, F::kBnbLion8bit};
  // Keys that only choose an implementation (loops, kernels, paging): accepted and ignored.
  const Setter ignored = [](OptimizerSettings&, const std::string& key,
                            const OptimizerConfigValue& v) {
    if (!std::holds_alternative<std::monostate>(v)) as_bool(key, v);
  };
  // ST options Reel does not implement, accepted at their default only.
  const Setter must_be_off = [](OptimizerSettings&, const std::string& key,
                                const OptimizerConfigValue& v) {
    if (!std::holds_alternative<std::monostate>(v) && as_bool(key, v))
      throw Error("'" + key + "=true' is not supported by Reel")
          .key(kConfigKey)
          .hint("remove '" + key + "' from optimizer_config");
  };
  static const std::vector<KeySpec> kSpecs = {
      {"lr", all,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.lr = at_least_zero(k, as_float(k, v));
       }},
      {"beta1", all,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.beta1 = beta(k, as_float(k, v));
       }},
      {"beta2", all,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.beta2 = beta(k, as_float(k, v));
       }},
      {"eps", with_eps,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.eps = at_least_zero(k, as_float(k, v));
       }},
      {"weight_decay", all,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.weight_decay = at_least_zero(k, as_float(k, v));
       }},
      // optimi's kahan_sum=None means "for low-precision parameters", which is what true
      // means here too.
      {"kahan_sum", optimi,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.kahan_sum = std::holds_alternative<std::monostate>(v) || as_bool(k, v);
       }},
      {"decouple_lr", optimi,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         s.decouple_lr = as_bool(k, v);
       }},
      {"max_lr", optimi,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         if (std::holds_alternative<std::monostate>(v)) {
           s.max_lr.reset();
         } else {
           s.max_lr = at_least_zero(k, as_float(k, v));
         }
       }},
      {"min_8bit_size", bnb,
       [](OptimizerSettings& s, const std::string& k, const OptimizerConfigValue& v) {
         const double d = as_float(k, v);
         if (!(d >= 0) || d != std::floor(d) || d > 1e18)
           throw Error("'" + k + "' is " + text_of(v) + ", expected a whole number >= 0")
               .key(kConfigKey);
         s.min_8bit_size = static_cast<int64_t>(d);
       }},
      {"foreach", {F::kTorchAdamW, F::kOptimiAdamW, F::kOptimiLion}, ignored},
      {"fused", {F::kTorchAdamW}, ignored},
      {"capturable", {F::kTorchAdamW}, ignored},
      {"differentiable", {F::kTorchAdamW}, ignored},
      {"triton", optimi, ignored},
      {"is_paged", bnb, ignored},
      {"amsgrad", {F::kTorchAdamW, F::kBnbAdamW8bit}, must_be_off},
      {"maximize", {F::kTorchAdamW}, must_be_off},
      {"gradient_release", optimi, must_be_off},
  };
  return kSpecs;
}

}  // namespace

const std::vector<std::string>& supported_optimizers() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Choice& c : choices()) names.push_back(c.name);
    return names;
  }();
  return kNames;
}

OptimizerSettings default_optimizer_settings(const std::string& optimizer) {
  OptimizerSettings s;
  switch (family_of(optimizer)) {
    case Family::kTorchAdamW:
      s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-8, s.weight_decay = 1e-2;
      break;
    case Family::kAdamWBF16:
      s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-6, s.weight_decay = 1e-2;
      break;
    case Family::kOptimiAdamW:
      s.beta1 = 0.9, s.beta2 = 0.99, s.eps = 1e-6, s.weight_decay = 0, s.kahan_sum = true;
      break;
    case Family::kOptimiLion:
      s.beta1 = 0.9, s.beta2 = 0.99, s.weight_decay = 0, s.kahan_sum = true;
      break;
    case Family::kBnbAdamW8bit:
      s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-6, s.weight_decay = 1e-2;
      break;
    case Family::kBnbLion8bit:
      s.beta1 = 0.9, s.beta2 = 0.99, s.weight_decay = 0;
      break;
  }
  return s;
}

std::vector<std::pair<std::string, OptimizerConfigValue>> parse_optimizer_config(
    std::string_view text) {
  std::vector<std::pair<std::string, OptimizerConfigValue>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw Error("'" + std::string(item) + "' is not key=value")
          .key(kConfigKey)
          .hint(
              "optimizer_config is split at every ',', so betas=0.9,0.99 cannot be written; "
              "use optimizer_beta1 and optimizer_beta2 (or beta1=0.9,beta2=0.99)");
    const std::string key(trim(item.substr(0, eq)));
    // ST keeps only what lies between the first and the second '='.
    std::string_view raw = item.substr(eq + 1);
    raw = raw.substr(0, raw.find('='));
    const std::string value(trim(raw));
    if (key.empty()) throw Error("'" + std::string(item) + "' has no key").key(kConfigKey);

    const bool all_digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    const std::string low = lower(value);
    OptimizerConfigValue typed;
    if (value.find('.') != std::string::npos) {
      typed = parse_float(key, value);
    } else if (all_digits) {
      errno = 0;
      const unsigned long long u = std::strtoull(value.c_str(), nullptr, 10);
      if (errno == ERANGE ||
          u > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()))
        throw Error("'" + key + "=" + value + "': the number is too large").key(kConfigKey);
      typed = static_cast<int64_t>(u);
    } else if (low == "true" || low == "false") {
      typed = low == "true";
    } else if (low == "none") {
      typed = std::monostate{};
    } else if (value.find("e-") != std::string::npos) {
      typed = parse_float(key, value);
    } else {
      typed = value;
    }
    out.emplace_back(key, std::move(typed));
  }
  return out;
}

OptimizerSettings resolve_optimizer_settings(const OptimizerOptions& options) {
  const Family family = family_of(options.optimizer);
  OptimizerSettings s = default_optimizer_settings(options.optimizer);
  for (const auto& [key, value] : parse_optimizer_config(options.optimizer_config)) {
    const KeySpec* spec = nullptr;
    std::vector<std::string> valid;
    for (const KeySpec& k : key_specs()) {
      if (std::find(k.families.begin(), k.families.end(), family) == k.families.end()) continue;
      valid.push_back(k.name);
      if (k.name == key) spec = &k;
    }
    if (!spec) {
      Error e("'" + key + "' is not a setting of " + options.optimizer);
      e.key(kConfigKey).hint("valid keys for " + options.optimizer + ": " + join(valid));
      throw e;
    }
    spec->set(s, key, value);
  }
  if (options.optimizer_beta1.has_value() != options.optimizer_beta2.has_value())
    throw Error("only one of optimizer_beta1 and optimizer_beta2 is set")
        .key(options.optimizer_beta1 ? "optimizer_beta1" : "optimizer_beta2")
        .hint("set both, or neither");
  if (options.optimizer_beta1) {
    if (!(*options.optimizer_beta1 >= 0 && *options.optimizer_beta1 < 1))
      throw Error(text_of(*options.optimizer_beta1) + " is not in [0, 1)").key("optimizer_beta1");
    if (!(*options.optimizer_beta2 >= 0 && *options.optimizer_beta2 < 1))
      throw Error(text_of(*options.optimizer_beta2) + " is not in [0, 1)").key("optimizer_beta2");
    s.beta1 = *options.optimizer_beta1;
    s.beta2 = *options.optimizer_beta2;
  }
  // optimi takes max_lr from the lr it is built with when decouple_lr is on.
  if (s.decouple_lr && !s.max_lr) s.max_lr = s.lr.value_or(options.learning_rate);
  if (s.decouple_lr && !(*s.max_lr > 0))
    throw Error("decouple_lr needs a max_lr > 0")
        .key(kConfigKey)
        .hint("set max_lr= in optimizer_config or a learning_rate > 0");
  return s;
}

}  // namespace reel
