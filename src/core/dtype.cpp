#include "core/dtype.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace reel {
namespace {

struct SafetensorsDtype {
  std::string_view name;
  at::ScalarType type;
};

constexpr SafetensorsDtype kSafetensorsDtypes[] = {
    {"F64", at::kDouble},
    {"F32", at::kFloat},
    {"F16", at::kHalf},
    {"BF16", at::kBFloat16},
    {"I64", at::kLong},
    {"I32", at::kInt},
    {"I16", at::kShort},
    {"I8", at::kChar},
    {"U8", at::kByte},
    {"BOOL", at::kBool},
    {"F8_E4M3", at::kFloat8_e4m3fn},
    {"F8_E5M2", at::kFloat8_e5m2},
};

struct UserDtype {
  std::string_view name;  // the first name of each type is its short name
  at::ScalarType type;
};

constexpr UserDtype kUserDtypes[] = {
    {"fp64", at::kDouble},
    {"float64", at::kDouble},
    {"double", at::kDouble},
    {"fp32", at::kFloat},
    {"float32", at::kFloat},
    {"float", at::kFloat},
    {"fp16", at::kHalf},
    {"float16", at::kHalf},
    {"half", at::kHalf},
    {"bf16", at::kBFloat16},
    {"bfloat16", at::kBFloat16},
    {"int64", at::kLong},
    {"int32", at::kInt},
    {"int16", at::kShort},
    {"int8", at::kChar},
    {"uint8", at::kByte},
    {"bool", at::kBool},
    {"fp8_e4m3", at::kFloat8_e4m3fn},
    {"float8_e4m3fn", at::kFloat8_e4m3fn},
    {"fp8_e5m2", at::kFloat8_e5m2},
    {"float8_e5m2", at::kFloat8_e5m2},
};

}  // namespace

std::optional<at::ScalarType> dtype_from_safetensors_name(std::string_view name) {
  for (const auto& d : kSafetensorsDtypes) {
    if (d.name == name) return d.type;
  }
  return std::nullopt;
}

std::optional<std::string_view> safetensors_dtype_name(at::ScalarType type) {
  for (const auto& d : kSafetensorsDtypes) {
    if (d.type == type) return d.name;
  }
  return std::nullopt;
}

std::string known_safetensors_dtypes() {
  std::string out;
  for (const auto& d : kSafetensorsDtypes) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

size_t dtype_itemsize(at::ScalarType type) {
  return c10::elementSize(type);
}

at::ScalarType parse_dtype(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& d : kUserDtypes) {
    if (d.name == lower) return d.type;
  }
  std::string valid;
  for (const auto& d : kUserDtypes) {
    if (!valid.empty()) valid += ", ";
    valid += d.name;
  }
  throw Error("unknown dtype '" + std::string(name) + "'").hint("use one of: " + valid);
}

std::string dtype_name(at::ScalarType type) {
  for (const auto& d : kUserDtypes) {
    if (d.type == type) return std::string(d.name);
  }
  return c10::toString(type);
}

}  // namespace reel
