#include "config/option_value.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace reel {
namespace {

using json = nlohmann::json;
using Outcome = ConvertedValue::Outcome;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A value quoted the way the user would recognise it: strings in quotes, numbers bare.
std::string shown(const json& v) {
  return v.dump();
}

ConvertedValue fail(std::string message) {
  ConvertedValue c;
  c.outcome = Outcome::kError;
  c.error = std::move(message);
  return c;
}

ConvertedValue ok(json v) {
  ConvertedValue c;
  c.value = std::move(v);
  return c;
}

ConvertedValue dropped() {
  ConvertedValue c;
  c.outcome = Outcome::kDropped;
  return c;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// Allowed values and numeric range, once the value has its type.
ConvertedValue checked(const Option& o, json v) {
  if (!o.choices.empty()) {
    std::string text = value_text(v);
    if (std::find(o.choices.begin(), o.choices.end(), text) == o.choices.end()) {
      return fail(shown(v) + " is not allowed; use one of " + joined(o.choices));
    }
  }
  if (v.is_number()) {
    double d = v.get<double>();
    bool low = std::isfinite(o.min), high = std::isfinite(o.max);
    if ((low && d < o.min) || (high && d > o.max)) {
      std::string range = "[" + number_text(o.min) + ", " + number_text(o.max) + "]";
      if (!high) range = "[" + number_text(o.min) + ", inf)";
      if (!low) range = "(-inf, " + number_text(o.max) + "]";
      return fail(o.name + " " + value_text(v) + " is out of range " + range);
    }
  }
  return ok(std::move(v));
}

bool parse_int(const std::string& text, long long* out) {
  std::string t = trim(text);
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno == 0 && *end == '\0') {
    *out = v;
    return true;
  }
  // "3.0" or "1e3" still name a whole number.
  end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (*end != '\0' || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e15) return false;
  *out = static_cast<long long>(d);
  return true;
}

bool parse_double(const std::string& text, double* out) {
  std::string t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (*end != '\0' || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

const char* expected(OptionType t) {
  switch (t) {
    case OptionType::kBool:
      return "true or false";
    case OptionType::kInt:
      return "an integer";
    case OptionType::kFloat:
      return "a number";
    case OptionType::kJson:
      return "a JSON object or list";
    case OptionType::kList:
      return "a list";
    case OptionType::kPathOrJson:
      return "a path or a JSON object";
    default:
      return "a string";
  }
}

std::string kind_of(const json& v) {
  if (v.is_object()) return "a JSON object";
  if (v.is_array()) return "a list";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return shown(v);
}

ConvertedValue wrong_type(const Option& o, const json& v) {
  return fail("expected " + std::string(expected(o.type)) + ", got " + kind_of(v));
}

}  // namespace

bool parse_bool_text(const std::string& text, bool* out) {
  std::string t = lower(trim(text));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return *out = true, true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return *out = false, true;
  return false;
}

std::string value_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

ConvertedValue convert_text_value(const Option& o, const std::string& text) {
  switch (o.type) {
    case OptionType::kBool: {
      bool b;
      if (!parse_bool_text(text, &b)) return fail("expected true or false, got " + shown(text));
      return checked(o, b);
    }
    case OptionType::kInt: {
      long long v;
      if (!parse_int(text, &v)) return fail(shown(text) + " is not an integer");
      return checked(o, v);
    }
    case OptionType::kFloat: {
      double v;
      if (!parse_double(text, &v)) return fail(shown(text) + " is not a number");
      return checked(o, v);
    }
    case OptionType::kJson: {
      json v = json::parse(text, nullptr, false);
      if (v.is_discarded() || !(v.is_object() || v.is_array())) {
        return fail(shown(text) + " is not a JSON object or list");
      }
      return checked(o, std::move(v));
    }
    case OptionType::kList: {
      json v = json::parse(text, nullptr, false);
      if (!v.is_discarded() && !v.is_object()) {
        return checked(o, v.is_array() ? v : json::array({v}));
      }
      // A plain "to_q,to_k" list.
      json list = json::array();
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = trim(text.substr(start, comma - start));
        if (!item.empty()) list.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return checked(o, std::move(list));
    }
    case OptionType::kPathOrJson: {
      std::string t = trim(text);
      if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
        json v = json::parse(t, nullptr, false);
        if (v.is_discarded()) return fail(shown(text) + " is not valid JSON");
        return checked(o, std::move(v));
      }
      return checked(o, text);
    }
    default:
      return checked(o, text);
  }
}

ConvertedValue convert_json_value(const Option& o, const json& raw) {
  if (raw.is_null()) return dropped();
  if (raw.is_string()) {
    const std::string& s = raw.get_ref<const std::string&>();
    if (s.empty() && !o.allow_empty) return dropped();
    if (o.type == OptionType::kBool) {
      // Reel reads "false" as false; ST drops it and keeps the default (spec §1).
      bool b;
      if (!parse_bool_text(s, &b)) return fail("expected true or false, got " + shown(raw));
      return checked(o, b);
    }
    return convert_text_value(o, s);
  }
  if (raw.is_boolean()) {
    if (o.type != OptionType::kBool) return wrong_type(o, raw);
    return checked(o, raw);
  }
  if (raw.is_number()) {
    switch (o.type) {
      case OptionType::kBool:
        if (raw == 0 || raw == 1) return checked(o, raw == 1);
        return wrong_type(o, raw);
      case OptionType::kInt:
        if (raw.is_number_float()) return convert_text_value(o, raw.dump());
        return checked(o, raw);
      case OptionType::kFloat:
        return checked(o, raw.get<double>());
      case OptionType::kList:
        return checked(o, json::array({raw}));
      case OptionType::kJson:
      case OptionType::kPathOrJson:
        return wrong_type(o, raw);
      default:
        return checked(o, raw.dump());  // ST hands `--key=480` to a string option: "480"
    }
  }
  if (raw.is_array()) {
    if (o.type == OptionType::kList || o.type == OptionType::kJson ||
        o.type == OptionType::kPathOrJson) {
      return checked(o, raw);
    }
    // ST passes one --key=item per item and argparse keeps the last (spec §1).
    if (raw.empty()) return dropped();
    ConvertedValue last = convert_json_value(o, raw.back());
    if (last.outcome == Outcome::kValue) {
      last.warning = "given as a list " + raw.dump() + "; only the last item " +
                     value_text(last.value) + " is used, as SimpleTuner does";
    }
    return last;
  }
  if (raw.is_object()) {
    if (o.type == OptionType::kJson || o.type == OptionType::kPathOrJson) return checked(o, raw);
    return wrong_type(o, raw);
  }
  return wrong_type(o, raw);
}

}  // namespace reel
