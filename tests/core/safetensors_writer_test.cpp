#include "core/safetensors_writer.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

#include "core/error.h"
#include "core/mapped_file.h"
#include "core/safetensors.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using test::dir_entries;
using test::error_of;

// Same dtype, shape and bytes: exact, NaN-safe, and defined for fp8 and bool.
void expect_identical(const at::Tensor& actual, const at::Tensor& expected,
                      const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_EQ(actual.scalar_type(), expected.scalar_type());
  ASSERT_EQ(actual.sizes(), expected.sizes());
  at::Tensor a = actual.contiguous(), e = expected.contiguous();
  ASSERT_EQ(a.nbytes(), e.nbytes());
  if (a.nbytes() > 0) EXPECT_EQ(std::memcmp(a.data_ptr(), e.data_ptr(), a.nbytes()), 0);
}

TEST(WriteSafetensors, RoundTripsEveryDtypeExactly) {
  at::manual_seed(7);
  at::Tensor f32 = at::randn({3, 5});
  f32[0][0] = std::numeric_limits<float>::quiet_NaN();
  f32[0][1] = -std::numeric_limits<float>::infinity();
  f32[0][2] = -0.0f;
  // Narrow tensors of odd sizes come first, so that writing the data in this order would
  // leave the wider ones misaligned.
  const std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"f16", at::randn({3}).to(at::kHalf)},
      {"f64", at::randn({2, 3}, at::kDouble)},
      {"u8", at::randint(0, 255, {9}, at::kByte)},
      {"f32", f32},
      {"bf16", at::randn({1, 7}).to(at::kBFloat16)},
      {"i64", at::tensor({std::numeric_limits<int64_t>::min(), int64_t{0},
                          std::numeric_limits<int64_t>::max()})},
      {"i8", at::randint(-128, 127, {3, 3}, at::kChar)},
      {"i32", at::randint(-1000, 1000, {4, 1}, at::kInt)},
      {"bool", at::randint(0, 2, {2, 5}).to(at::kBool)},
      {"i16", at::randint(-30000, 30000, {5}, at::kShort)},
      {"f8_e4m3", (at::randn({7}) * 10).to(at::kFloat8_e4m3fn)},
      {"f8_e5m2", (at::randn({2, 2, 3}) * 100).to(at::kFloat8_e5m2)},
      {"scalar", at::scalar_tensor(2.5, at::kFloat)},
      {"empty", at::empty({0, 4}, at::kHalf)},
  };
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"ss_network_dim", "16"}, {"json", R"({"a": [1, "x"]})"}};
  test::TempDir dir;
  fs::path path = dir / "all.safetensors";
  write_safetensors(path, tensors, metadata);

  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.metadata(), metadata);
  ASSERT_EQ(f.tensors().size(), tensors.size());
  const std::map<std::string, std::string> names = {
      {"f64", "F64"},    {"f32", "F32"},   {"f16", "F16"},         {"bf16", "BF16"},
      {"i64", "I64"},    {"i32", "I32"},   {"i16", "I16"},         {"i8", "I8"},
      {"u8", "U8"},      {"bool", "BOOL"}, {"f8_e4m3", "F8_E4M3"}, {"f8_e5m2", "F8_E5M2"},
      {"scalar", "F32"}, {"empty", "F16"}};
  for (const auto& [name, expected] : tensors) {
    EXPECT_EQ(f.info(name).dtype_name, names.at(name)) << name;
    EXPECT_EQ(f.info(name).shape, expected.sizes().vec()) << name;
    at::Tensor actual = f.tensor(name);
    expect_identical(actual, expected, name);
    // Laid out by element size, every tensor is aligned and so viewed in place.
    if (actual.numel() > 0) {
      EXPECT_TRUE(f.mapping()->contains(actual.data_ptr(), actual.nbytes())) << name;
    }
  }
}

TEST(WriteSafetensors, HeaderIsPaddedWithSpacesToEightBytes) {
  test::TempDir dir;
  for (int n = 1; n <= 8; ++n) {  // names of every length mod 8
    fs::path path = dir / ("p" + std::to_string(n) + ".safetensors");
    write_safetensors(path, {{std::string(n, 'w'), at::ones({2})}});
    std::string bytes = test::read_file(path);
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
    EXPECT_EQ(len % 8, 0u) << n;
    EXPECT_EQ(bytes.size(), 8 + len + 8) << n;
    std::string header = bytes.substr(8, len);
    size_t close = header.rfind('}');
    EXPECT_EQ(header.front(), '{');
    EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << header;
    EXPECT_LT(len - close - 1, 8u) << header;  // no more padding than needed
  }
}

TEST(WriteSafetensors, BytesMatchTheReferenceLayout) {
  // What the reference implementation writes for {"a": float32 [1, 2]}: compact JSON, the
  // header padded to 8 bytes, little-endian values.
  test::TempDir dir;
  fs::path path = dir / "ref.safetensors";
  write_safetensors(path, {{"a", at::tensor({1.0f, 2.0f}).reshape({1, 2})}});
  std::string header = R"({"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string expected(1, static_cast<char>(header.size()));
  expected.append(7, '\0');
  expected += header;
  expected += std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
  EXPECT_EQ(test::read_file(path), expected);
}

TEST(WriteSafetensors, NonContiguousTensorsAreWrittenInLogicalOrder) {
  at::Tensor base = at::arange(12, at::kFloat).reshape({3, 4});
  at::Tensor t = base.transpose(0, 1);  // strides (1, 4)
  at::Tensor sliced = base.slice(1, 1, 3);
  ASSERT_FALSE(t.is_contiguous());
  test::TempDir dir;
  write_safetensors(dir / "nc.safetensors", {{"t", t}, {"s", sliced}});
  SafetensorsFile f = SafetensorsFile::open(dir / "nc.safetensors");
  expect_identical(f.tensor("t"), t.contiguous(), "t");
  expect_identical(f.tensor("s"), sliced.contiguous(), "s");
}

TEST(WriteSafetensors, RejectsWhatTheFormatCannotHold) {
  test::TempDir dir;
  fs::path path = dir / "bad.safetensors";
  std::string what = error_of([&] {
    write_safetensors(path, {{"ok", at::ones({1})}, {"c", at::ones({2}, at::kComplexFloat)}});
  });
  EXPECT_NE(what.find("bad.safetensors"), std::string::npos) << what;
  EXPECT_NE(what.find("key 'c'"), std::string::npos) << what;
  EXPECT_NE(what.find("cannot store dtype ComplexFloat"), std::string::npos) << what;

  what = error_of([&] { write_safetensors(path, {{"x", at::ones({1})}, {"x", at::zeros({1})}}); });
  EXPECT_NE(what.find("key 'x'"), std::string::npos) << what;
  EXPECT_NE(what.find("two tensors have this name"), std::string::npos) << what;

  what = error_of([&] { write_safetensors(path, {{"__metadata__", at::ones({1})}}); });
  EXPECT_NE(what.find("reserved"), std::string::npos) << what;

  what = error_of([&] { write_safetensors(path, {{"u", at::Tensor()}}); });
  EXPECT_NE(what.find("undefined"), std::string::npos) << what;

  // Nothing was created by the failed calls, not even a temporary file.
  EXPECT_TRUE(dir_entries(dir.path()).empty());
}

TEST(WriteSafetensors, ReplacesAnExistingFileAndLeavesNoTemporaries) {
  test::TempDir dir;
  fs::path path = dir / "w.safetensors";
  write_safetensors(path, {{"a", at::ones({4})}});
  write_safetensors(path, {{"b", at::zeros({2}, at::kHalf)}}, {{"v", "2"}});
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_FALSE(f.contains("a"));
  EXPECT_TRUE(f.contains("b"));
  EXPECT_EQ(f.metadata().at("v"), "2");
  EXPECT_EQ(dir_entries(dir.path()), std::vector<std::string>{"w.safetensors"});
}

TEST(SafetensorsBytes, AreTheBytesOfTheFile) {
  at::manual_seed(3);
  const std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"h", at::randn({3}).to(at::kHalf)}, {"f", at::randn({2, 2})}, {"i", at::arange(5)}};
  const std::map<std::string, std::string> metadata = {{"reel_cache_key", "abc"}};
  test::TempDir dir;
  write_safetensors(dir / "f.safetensors", tensors, metadata);
  EXPECT_EQ(safetensors_bytes(tensors, metadata), test::read_file(dir / "f.safetensors"));
}

TEST(SafetensorsBytes, RejectWhatTheFormatCannotHoldNamingTheTensor) {
  std::string what = error_of([&] {
    safetensors_bytes({{"c", at::ones({2}, at::kComplexFloat)}});
  });
  EXPECT_NE(what.find("key 'c'"), std::string::npos) << what;
  EXPECT_NE(what.find("cannot store dtype ComplexFloat"), std::string::npos) << what;
}

}  // namespace
}  // namespace reel
