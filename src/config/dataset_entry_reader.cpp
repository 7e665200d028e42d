#include "config/dataset_entry_reader.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace reel {

using nlohmann::json;

DatasetEntryReader::DatasetEntryReader(const json& object, std::string where, Diagnostics& diags,
                                       std::string key_prefix)
    : object_(object), where_(std::move(where)), diags_(diags), prefix_(std::move(key_prefix)) {}

const json* DatasetEntryReader::get(const std::string& key) const {
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool DatasetEntryReader::has(const std::string& key) const {
  return get(key) != nullptr;
}

std::optional<bool> DatasetEntryReader::boolean(const std::string& key) {
  const json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  // ST's own tooling writes booleans as strings and its readers accept them.
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  wrong_type(key, *v, "true or false");
  return std::nullopt;
}

std::optional<double> DatasetEntryReader::number(const std::string& key) {
  const json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d)) return d;
  }
  wrong_type(key, *v, "a number");
  return std::nullopt;
}

std::optional<int> DatasetEntryReader::integer(const std::string& key) {
  const json* v = get(key);
  if (!v) return std::nullopt;
  long long n = 0;
  bool ok = false;
  if (v->is_number_integer()) {
    n = v->get<long long>(), ok = true;
  } else if (v->is_number_float()) {
    double d = v->get<double>();
    ok = std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15;
    n = static_cast<long long>(d);
  } else if (v->is_string()) {
    // A string of digits, as Python's int() takes it; no signs, spaces or decimals.
    const auto& s = v->get_ref<const std::string&>();
    ok = !s.empty() && s.size() < 16 && s.find_first_not_of("0123456789") == std::string::npos;
    if (ok) n = std::stoll(s);
  }
  if (ok && n >= std::numeric_limits<int>::min() && n <= std::numeric_limits<int>::max()) {
    return static_cast<int>(n);
  }
  wrong_type(key, *v, "an integer");
  return std::nullopt;
}

std::optional<std::string> DatasetEntryReader::string(const std::string& key) {
  const json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  wrong_type(key, *v, "a string");
  return std::nullopt;
}

std::optional<std::vector<std::string>> DatasetEntryReader::strings(const std::string& key) {
  const json* v = get(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  if (v->is_array()) {
    std::vector<std::string> out;
    for (const auto& item : *v) {
      if (!item.is_string()) {
        wrong_type(key, *v, "a string or a list of strings");
        return std::nullopt;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  wrong_type(key, *v, "a string or a list of strings");
  return std::nullopt;
}

void DatasetEntryReader::error(const std::string& key, const std::string& message,
                               const std::string& hint) {
  add(Severity::kError, key, message, hint);
}

void DatasetEntryReader::warn(const std::string& key, const std::string& message,
                              const std::string& hint) {
  add(Severity::kWarning, key, message, hint);
}

void DatasetEntryReader::notice(const std::string& key, const std::string& message) {
  add(Severity::kNotice, key, message, "");
}

void DatasetEntryReader::add(Severity severity, const std::string& key, const std::string& message,
                             const std::string& hint) {
  diags_.push_back({severity, where_, key.empty() ? key : prefix_ + key, message, hint});
}

void DatasetEntryReader::wrong_type(const std::string& key, const json& value,
                                    const char* expected) {
  error(key, "value " + value.dump() + " is " + value.type_name() + "; expected " + expected);
}

}  // namespace reel
