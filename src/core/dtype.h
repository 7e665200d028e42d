// Element types by name: the names safetensors files use ("BF16", "F8_E4M3") and the names
// users write in options ("bf16", "float32", "fp8_e4m3"), both mapped to at::ScalarType.
//
//   at::ScalarType t = parse_dtype("bf16");          // at::kBFloat16, or reel::Error
//   auto st = dtype_from_safetensors_name("F16");    // at::kHalf
//   auto name = safetensors_dtype_name(at::kFloat);  // "F32"
#pragma once

#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace reel {

// The safetensors dtypes Reel reads and writes:
// F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL F8_E4M3 F8_E5M2.
std::optional<at::ScalarType> dtype_from_safetensors_name(std::string_view name);

// The safetensors name of `type`, or nullopt when Reel does not store that type.
std::optional<std::string_view> safetensors_dtype_name(at::ScalarType type);

// "F64, F32, ..." for error messages.
std::string known_safetensors_dtypes();

// Bytes per element.
size_t dtype_itemsize(at::ScalarType type);

// A user-facing name ("fp32", "float32", "bf16", "bfloat16", "fp16", "float16", "half",
// "fp8_e4m3", "fp8_e5m2", "float64", "int8", "uint8", "bool", ...; case-insensitive) as a
// ScalarType. Throws reel::Error naming the value and listing the valid names.
at::ScalarType parse_dtype(std::string_view name);

// The short user-facing name of `type` ("bf16", "fp32", "fp8_e4m3", ...), the one
// parse_dtype() reads back; the ATen name for types without a short one.
std::string dtype_name(at::ScalarType type);

}  // namespace reel
