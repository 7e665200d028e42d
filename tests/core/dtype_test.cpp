#include "core/dtype.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace reel {
namespace {

TEST(Dtype, SafetensorsNamesMapBothWays) {
  const std::vector<std::pair<std::string, at::ScalarType>> table = {
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
      {"F8_E5M2", at::kFloat8_e5m2}};
  for (const auto& [name, type] : table) {
    EXPECT_EQ(dtype_from_safetensors_name(name), type) << name;
    EXPECT_EQ(safetensors_dtype_name(type), name) << name;
    EXPECT_NE(known_safetensors_dtypes().find(name), std::string::npos) << name;
  }
  EXPECT_EQ(dtype_from_safetensors_name("f32"), std::nullopt);  // the format is case-sensitive
  EXPECT_EQ(dtype_from_safetensors_name("C64"), std::nullopt);
  EXPECT_EQ(safetensors_dtype_name(at::kComplexFloat), std::nullopt);
}

TEST(Dtype, ItemSizes) {
  EXPECT_EQ(dtype_itemsize(at::kDouble), 8u);
  EXPECT_EQ(dtype_itemsize(at::kBFloat16), 2u);
  EXPECT_EQ(dtype_itemsize(at::kFloat8_e5m2), 1u);
  EXPECT_EQ(dtype_itemsize(at::kBool), 1u);
}

TEST(Dtype, ParsesUserNames) {
  EXPECT_EQ(parse_dtype("bf16"), at::kBFloat16);
  EXPECT_EQ(parse_dtype("BFloat16"), at::kBFloat16);
  EXPECT_EQ(parse_dtype("fp32"), at::kFloat);
  EXPECT_EQ(parse_dtype("float16"), at::kHalf);
  EXPECT_EQ(parse_dtype("half"), at::kHalf);
  EXPECT_EQ(parse_dtype("fp8_e4m3"), at::kFloat8_e4m3fn);
  EXPECT_EQ(parse_dtype("float8_e5m2"), at::kFloat8_e5m2);
  for (at::ScalarType t :
       {at::kDouble, at::kFloat, at::kHalf, at::kBFloat16, at::kLong, at::kInt, at::kShort,
        at::kChar, at::kByte, at::kBool, at::kFloat8_e4m3fn, at::kFloat8_e5m2}) {
    EXPECT_EQ(parse_dtype(dtype_name(t)), t) << dtype_name(t);
  }
  EXPECT_EQ(dtype_name(at::kBFloat16), "bf16");
}

TEST(Dtype, UnknownNameListsTheValidOnes) {
  try {
    parse_dtype("fp12");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "unknown dtype 'fp12'");
    EXPECT_NE(e.hint().find("bf16"), std::string::npos) << e.hint();
    EXPECT_NE(e.hint().find("fp8_e4m3"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace reel
