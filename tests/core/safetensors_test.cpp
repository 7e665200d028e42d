#include "core/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>

#include "core/error.h"
#include "core/mapped_file.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

// Files are built byte by byte here, independently of Reel's writer.
std::string le64(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(n >> (8 * i));
  return s;
}

std::string raw_file(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

std::string f32_bytes(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

std::string error_of(const std::filesystem::path& p) {
  try {
    SafetensorsFile::open(p);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SafetensorsFile, ReadsHeaderMetadataAndValues) {
  test::TempDir dir;
  // "z" comes first in the data, "a" second: tensors() follows the data, not the names.
  std::string header = R"({"__metadata__":{"format":"pt","note":"hi"},)"
                       R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]},)"
                       R"("z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto path = dir.write("m.safetensors", raw_file(header, f32_bytes({1, 2, 3.5f, -4})));

  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.path(), path);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[0].name, "z");
  EXPECT_EQ(f.tensors()[1].name, "a");
  const TensorInfo& a = f.info("a");
  EXPECT_EQ(a.dtype, at::kFloat);
  EXPECT_EQ(a.dtype_name, "F32");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(a.begin, 8u);
  EXPECT_EQ(a.end, 16u);
  EXPECT_EQ(a.numel(), 2);
  EXPECT_EQ(f.data_offset(), 8 + header.size());
  EXPECT_EQ(f.metadata(), (std::map<std::string, std::string>{{"format", "pt"}, {"note", "hi"}}));
  EXPECT_TRUE(f.contains("z"));
  EXPECT_FALSE(f.contains("__metadata__"));

  at::Tensor t = f.tensor("a");
  EXPECT_EQ(t.sizes(), at::IntArrayRef({1, 2}));
  EXPECT_EQ(t[0][0].item<float>(), 3.5f);
  EXPECT_EQ(t[0][1].item<float>(), -4.0f);
  EXPECT_EQ(f.tensor("z")[1].item<float>(), 2.0f);
}

TEST(SafetensorsFile, TensorsPointIntoTheMappingAndKeepItAlive) {
  test::TempDir dir;
  std::string header = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  auto path = dir.write("w.safetensors", raw_file(header, f32_bytes({7, 8, 9})));

  at::Tensor t;
  std::weak_ptr<const MappedFile> mapping;
  {
    SafetensorsFile f = SafetensorsFile::open(path);
    t = f.tensor("w");
    mapping = f.mapping();
    EXPECT_TRUE(f.mapping()->contains(t.data_ptr(), t.nbytes()));
    EXPECT_EQ(static_cast<const uint8_t*>(t.data_ptr()),
              f.mapping()->data() + f.data_offset());  // no copy: the bytes of the file
  }
  // The file object is gone; the tensor still holds the mapping.
  ASSERT_FALSE(mapping.expired());
  EXPECT_EQ(t[2].item<float>(), 9.0f);
  EXPECT_EQ(t.sum().item<float>(), 24.0f);
  t = at::Tensor();
  EXPECT_TRUE(mapping.expired());  // and releases it with its last tensor
}

TEST(SafetensorsFile, MisalignedDataIsCopied) {
  test::TempDir dir;
  // Unpadded header of odd length: the data section starts at an odd offset, so the F32
  // tensor cannot be viewed in place, while the U8 one can.
  std::string header = R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[8,10]},)"
                       R"("f":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  if ((8 + header.size()) % 2 == 0) header += ' ';
  auto path = dir.write("odd.safetensors", raw_file(header, f32_bytes({1.25f, -2}) + "\x05\x06"));

  SafetensorsFile f = SafetensorsFile::open(path);
  ASSERT_NE(f.data_offset() % 4, 0u);
  at::Tensor fl = f.tensor("f");
  EXPECT_FALSE(f.mapping()->contains(fl.data_ptr(), fl.nbytes()));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(fl.data_ptr()) % 4, 0u);
  EXPECT_EQ(fl[0].item<float>(), 1.25f);
  EXPECT_EQ(fl[1].item<float>(), -2.0f);
  at::Tensor u8 = f.tensor("b");
  EXPECT_TRUE(f.mapping()->contains(u8.data_ptr(), u8.nbytes()));
  EXPECT_EQ(u8[1].item<uint8_t>(), 6);
}

TEST(SafetensorsFile, EmptyTensorsAndMetadataOnlyFiles) {
  test::TempDir dir;
  std::string header = R"({"e":{"dtype":"BF16","shape":[0,4],"data_offsets":[0,0]},)"
                       R"("s":{"dtype":"I64","shape":[],"data_offsets":[0,8]}})";
  std::string seven = le64(7);
  auto path = dir.write("e.safetensors", raw_file(header, seven));
  SafetensorsFile f = SafetensorsFile::open(path);
  EXPECT_EQ(f.tensor("e").sizes(), at::IntArrayRef({0, 4}));
  EXPECT_EQ(f.tensor("e").scalar_type(), at::kBFloat16);
  EXPECT_EQ(f.tensor("s").dim(), 0);
  EXPECT_EQ(f.tensor("s").item<int64_t>(), 7);

  auto meta_only = dir.write("m.safetensors", raw_file(R"({"__metadata__":{"k":"v"}})", ""));
  SafetensorsFile m = SafetensorsFile::open(meta_only);
  EXPECT_TRUE(m.tensors().empty());
  EXPECT_EQ(m.metadata().at("k"), "v");
}

TEST(SafetensorsFile, MissingTensorNamesTheKeyAndTheFile) {
  test::TempDir dir;
  auto path = dir.write(
      "x.safetensors",
      raw_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f32_bytes({1})));
  SafetensorsFile f = SafetensorsFile::open(path);
  try {
    f.tensor("nope");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(e.key(), "nope");
    EXPECT_NE(std::string(e.what()).find("no such tensor"), std::string::npos) << e.what();
    EXPECT_NE(e.hint().find("'w'"), std::string::npos) << e.hint();
  }
}

TEST(SafetensorsFile, InvalidBoolBytesAreAnError) {
  test::TempDir dir;
  auto path = dir.write("b.safetensors",
                        raw_file(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})",
                                 std::string("\1\0\7", 3)));
  SafetensorsFile f = SafetensorsFile::open(path);
  try {
    f.tensor("m");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("b.safetensors"), std::string::npos) << what;
    EXPECT_NE(what.find("holds the byte 7 at element 2"), std::string::npos) << what;
  }
}

TEST(SafetensorsFile, MissingFileNamesThePath) {
  test::TempDir dir;
  std::string what = error_of(dir / "absent.safetensors");
  EXPECT_NE(what.find("absent.safetensors"), std::string::npos) << what;
  EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
}

// A malformed file, the phrase its error must contain, and the tensor it must name.
struct BadFile {
  const char* name;
  std::string bytes;
  std::string phrase;
  std::string key;
};

std::vector<BadFile> bad_files() {
  const std::string f32x1 = R"("dtype":"F32","shape":[1])";
  const std::string four = f32_bytes({1});
  const std::string truncated_header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  const std::string truncated_expected = std::to_string(8 + truncated_header.size() + 16);
  const std::string truncated_found = std::to_string(8 + truncated_header.size() + 10);
  return {
      {"empty", "", "the file is empty", ""},
      {"four_bytes", "abcd", "the file is only 4 bytes: too short", ""},
      {"header_past_end", le64(1000) + "{}", "header length 1000 runs past the end of the file",
       ""},
      {"header_not_json", raw_file("{not json", ""), "the header is not valid JSON", ""},
      {"header_array", raw_file("[1, 2]", ""), "the header is not a JSON object (it is an array)",
       ""},
      {"missing_dtype", raw_file(R"({"t":{"shape":[1],"data_offsets":[0,4]}})", four),
       "missing \"dtype\"", "t"},
      {"missing_shape", raw_file(R"({"t":{"dtype":"F32","data_offsets":[0,4]}})", four),
       "missing \"shape\"", "t"},
      {"missing_offsets", raw_file(R"({"t":{"dtype":"F32","shape":[1]}})", four),
       "missing \"data_offsets\"", "t"},
      {"entry_not_object", raw_file(R"({"t":5})", ""), "entry is a number, expected an object",
       "t"},
      {"unknown_dtype", raw_file(R"({"t":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}})", four),
       "unknown dtype \"F17\"", "t"},
      {"dtype_not_string", raw_file(R"({"t":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", four),
       "\"dtype\" is a number", "t"},
      {"offsets_out_of_range",
       raw_file(R"({"a":{)" + f32x1 + R"(,"data_offsets":[0,4]},"b":{)" + f32x1 +
                    R"(,"data_offsets":[16,20]}})",
                four + four),
       "data_offsets [16, 20] run past the end of the data section, which holds 8 bytes", "b"},
      {"offsets_reversed", raw_file(R"({"t":{)" + f32x1 + R"(,"data_offsets":[8,4]}})", four),
       "data_offsets [8, 4] begin after they end", "t"},
      {"offsets_malformed", raw_file(R"({"t":{)" + f32x1 + R"(,"data_offsets":[0]}})", four),
       "expected [begin, end]", "t"},
      {"offsets_negative", raw_file(R"({"t":{)" + f32x1 + R"(,"data_offsets":[-4,0]}})", four),
       "expected [begin, end]", "t"},
      {"overlapping",
       raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                four + four + four),
       "data_offsets [4, 12] overlap tensor 'a' at [0, 8]", "b"},
      {"size_mismatch",
       raw_file(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", four + four),
       "shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8", "t"},
      {"negative_dimension",
       raw_file(R"({"t":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", four),
       "negative dimension -1 in shape [2,-1]", "t"},
      {"fractional_dimension",
       raw_file(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", four),
       "expected whole numbers", "t"},
      {"huge_shape",
       raw_file(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                four),
       "too large", "t"},
      {"truncated_data", raw_file(truncated_header, std::string(10, '\0')),
       "the file is truncated: expected " + truncated_expected + " bytes, found " + truncated_found,
       ""},
      {"metadata_value_not_string", raw_file(R"({"__metadata__":{"steps":1000}})", ""),
       "the value of \"steps\" is a number, expected a string", "__metadata__"},
      {"metadata_not_object", raw_file(R"({"__metadata__":["a"]})", ""),
       "__metadata__ is an array, expected an object of strings", "__metadata__"},
  };
}

TEST(SafetensorsFile, MalformedFilesAreReportedPrecisely) {
  test::TempDir dir;
  for (const BadFile& bad : bad_files()) {
    SCOPED_TRACE(bad.name);
    std::string file_name = std::string(bad.name) + ".safetensors";
    auto path = dir.write(file_name, bad.bytes);
    try {
      SafetensorsFile::open(path);
      ADD_FAILURE() << "opened without an error";
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_EQ(e.file(), path.string());
      EXPECT_NE(what.find(file_name), std::string::npos) << what;
      EXPECT_NE(what.find(bad.phrase), std::string::npos) << what;
      EXPECT_EQ(e.key(), bad.key) << what;
    }
  }
}

TEST(SafetensorsFile, TruncationHintsAtDownloadingAgain) {
  test::TempDir dir;
  std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  auto path = dir.write("t.safetensors", raw_file(header, "xyz"));
  try {
    SafetensorsFile::open(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.hint().find("download it again"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsFile, FromBytesReadsAFileHeldInMemory) {
  std::string header = R"({"__metadata__":{"k":"v"},)"
                       R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');  // aligned data, as writers pad it
  SafetensorsFile f = SafetensorsFile::from_bytes(raw_file(header, f32_bytes({1.5f, -2})),
                                                  "cache/entry.safetensors.zst");
  EXPECT_EQ(f.path(), "cache/entry.safetensors.zst");
  EXPECT_EQ(f.metadata().at("k"), "v");
  at::Tensor a = f.tensor("a");
  EXPECT_TRUE(f.mapping()->contains(a.data_ptr(), 8));  // a view, not a copy
  // The tensor keeps the bytes alive after the SafetensorsFile is gone.
  f = SafetensorsFile::from_bytes(raw_file("{}", ""), "other");
  EXPECT_EQ(a[0].item<float>(), 1.5f);
  EXPECT_EQ(a[1].item<float>(), -2.0f);
}

TEST(SafetensorsFile, FromBytesValidatesLikeOpen) {
  std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  for (const std::string& bytes : {raw_file(header, "xyz"), std::string("short"), std::string()}) {
    try {
      SafetensorsFile::from_bytes(bytes, "mem/x.safetensors.zst");
      ADD_FAILURE() << "no error for " << bytes.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.file(), "mem/x.safetensors.zst") << e.what();
    }
  }
}

}  // namespace
}  // namespace reel
