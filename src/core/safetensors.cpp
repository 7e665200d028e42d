#include "core/safetensors.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "core/dtype.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mapped_file.h"

namespace reel {
namespace {

using json = nlohmann::json;

// The reference implementation refuses headers above 100 MB; a larger "length" is almost
// always some other kind of file whose first 8 bytes were read as one.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

const char kMetadataKey[] = "__metadata__";

uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// "a string", "an array", "null", for messages about JSON values of the wrong kind.
std::string json_kind(const json& j) {
  std::string t = j.type_name();
  if (j.is_null()) return t;
  return (t[0] == 'a' || t[0] == 'o' ? "an " : "a ") + t;
}

std::string offsets_text(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is the useful
// part ("parse error at line 1, column 3: syntax error ...").
std::string json_reason(const json::exception& e) {
  std::string what = e.what();
  auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

class HeaderParser {
 public:
  HeaderParser(const std::filesystem::path& path, uint64_t file_size, uint64_t data_size)
      : file_(path.string()), file_size_(file_size), data_size_(data_size) {}

  Error error(const std::string& message) const {
    Error e(message);
    e.file(file_);
    return e;
  }
  Error error(const std::string& name, const std::string& message) const {
    Error e(message);
    e.file(file_).key(name);
    return e;
  }

  std::map<std::string, std::string> parse_metadata(const json& value) const {
    if (!value.is_object()) {
      throw error(kMetadataKey, kMetadataKey + std::string(" is ") + json_kind(value) +
                                    ", expected an object of strings")
          .hint("safetensors metadata maps strings to strings");
    }
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : value.items()) {
      if (!v.is_string()) {
        throw error(kMetadataKey,
                    "the value of \"" + k + "\" is " + json_kind(v) + ", expected a string")
            .hint(
                "safetensors metadata maps strings to strings; a writer must store numbers "
                "and lists as their JSON text");
      }
      out.emplace(k, v.get<std::string>());
    }
    return out;
  }

  TensorInfo parse_tensor(const std::string& name, const json& value) const {
    if (!value.is_object()) {
      throw error(name, "entry is " + json_kind(value) +
                            ", expected an object with \"dtype\", \"shape\" and \"data_offsets\"");
    }
    TensorInfo t;
    t.name = name;
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(field)) throw error(name, "missing \"" + std::string(field) + "\"");
    }

    const json& dtype = value["dtype"];
    if (!dtype.is_string()) {
      throw error(name, "\"dtype\" is " + json_kind(dtype) + ", expected a string such as \"F32\"");
    }
    t.dtype_name = dtype.get<std::string>();
    auto type = dtype_from_safetensors_name(t.dtype_name);
    if (!type) {
      throw error(name, "unknown dtype \"" + t.dtype_name + "\"")
          .hint("Reel reads " + known_safetensors_dtypes());
    }
    t.dtype = *type;

    const json& shape = value["shape"];
    if (!shape.is_array())
      throw error(name, "\"shape\" is " + json_kind(shape) + ", expected a list");
    uint64_t numel = 1;
    bool overflow = false;
    for (const json& d : shape) {
      if (!d.is_number_integer()) {
        throw error(
            name, "shape " + shape.dump() + " holds " + json_kind(d) + ", expected whole numbers");
      }
      if (d.is_number_unsigned()) {
        uint64_t u = d.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          throw error(name, "dimension " + std::to_string(u) + " in shape " + shape.dump() +
                                " is too large");
        }
        t.shape.push_back(static_cast<int64_t>(u));
      } else {
        int64_t s = d.get<int64_t>();
        if (s < 0) {
          throw error(name,
                      "negative dimension " + std::to_string(s) + " in shape " + shape.dump());
        }
        t.shape.push_back(s);
      }
      overflow |= __builtin_mul_overflow(numel, static_cast<uint64_t>(t.shape.back()), &numel);
    }

    const json& offsets = value["data_offsets"];
    // JSON integers without a minus sign parse as unsigned.
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw error(name, "\"data_offsets\" is " + offsets.dump() +
                            ", expected [begin, end]: two byte offsets into the data section");
    }
    t.begin = offsets[0].get<uint64_t>();
    t.end = offsets[1].get<uint64_t>();
    if (t.begin > t.end) {
      throw error(name, "data_offsets " + offsets_text(t.begin, t.end) + " begin after they end");
    }

    uint64_t nbytes = 0;
    overflow |= __builtin_mul_overflow(numel, dtype_itemsize(t.dtype), &nbytes);
    if (overflow) {
      throw error(name, "shape " + shape.dump() + " is too large to address in memory");
    }
    if (nbytes != t.nbytes()) {
      throw error(name, "shape " + shape.dump() + " of " + t.dtype_name + " needs " +
                            std::to_string(nbytes) + " bytes, but data_offsets " +
                            offsets_text(t.begin, t.end) + " hold " + std::to_string(t.nbytes()));
    }
    return t;
  }

  // `tensors` sorted by offset. Checks that no two share bytes and that all lie inside the
  // data section.
  void check_layout(const std::vector<TensorInfo>& tensors) const {
    const TensorInfo* last = nullptr;  // the non-empty tensor that ends furthest
    bool packed = true;                // every tensor starts where the previous one ended, from 0
    uint64_t cursor = 0;
    for (const TensorInfo& t : tensors) {
      packed &= t.begin == cursor;
      cursor = t.end;
      if (t.nbytes() == 0) continue;
      if (last != nullptr && t.begin < last->end) {
        throw error(t.name, "data_offsets " + offsets_text(t.begin, t.end) + " overlap tensor '" +
                                last->name + "' at " + offsets_text(last->begin, last->end))
            .hint("the file is corrupt; write it again");
      }
      if (last == nullptr || t.end > last->end) last = &t;
    }
    const uint64_t max_end = last != nullptr ? last->end : 0;
    if (max_end <= data_size_) return;

    // A file whose tensors are packed back to back, as every writer lays them out, and whose
    // last tensor runs past the end lost its tail: say so. Otherwise an offset is wrong.
    if (packed) {
      uint64_t expected = file_size_ - data_size_ + max_end;
      throw error("the file is truncated: expected " + std::to_string(expected) + " bytes, found " +
                  std::to_string(file_size_))
          .hint("it was not downloaded or copied completely; download it again");
    }
    for (const TensorInfo& t : tensors) {
      if (t.end > data_size_) {
        throw error(t.name, "data_offsets " + offsets_text(t.begin, t.end) +
                                " run past the end of the data section, which holds " +
                                std::to_string(data_size_) + " bytes")
            .hint("the file is corrupt; write it again");
      }
    }
  }

 private:
  std::string file_;
  uint64_t file_size_, data_size_;
};

}  // namespace

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  return SafetensorsFile(path);
}

SafetensorsFile SafetensorsFile::from_bytes(std::string bytes, const std::filesystem::path& path) {
  return SafetensorsFile(path, MappedFile::from_bytes(path, std::move(bytes)));
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : SafetensorsFile(path, MappedFile::open(path)) {}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path,
                                 std::shared_ptr<const MappedFile> map)
    : path_(path), map_(std::move(map)) {
  const std::string file = path.string();
  const uint64_t size = map_->size();
  if (size == 0) {
    throw Error("the file is empty, so it is not a safetensors file")
        .file(file)
        .hint("it was probably not written or downloaded completely; get it again");
  }
  if (size < 8) {
    throw Error("the file is only " + std::to_string(size) +
                " bytes: too short for a safetensors file, which starts with an 8-byte "
                "header length")
        .file(file);
  }
  const uint64_t header_len = read_le64(map_->data());
  if (header_len > size - 8) {
    throw Error("header length " + std::to_string(header_len) +
                " runs past the end of the file, which holds " + std::to_string(size) + " bytes")
        .file(file)
        .hint("the file is truncated or is not a safetensors file");
  }
  if (header_len > kMaxHeaderBytes) {
    throw Error("header length " + std::to_string(header_len) + " is above the format's limit of " +
                std::to_string(kMaxHeaderBytes) + " bytes")
        .file(file)
        .hint("this is probably not a safetensors file");
  }
  data_offset_ = 8 + header_len;

  const char* header = reinterpret_cast<const char*>(map_->data() + 8);
  json root;
  try {
    root = json::parse(header, header + header_len);
  } catch (const json::exception& e) {
    throw Error("the header is not valid JSON: " + json_reason(e))
        .file(file)
        .hint("the file is corrupt or is not a safetensors file");
  }
  if (!root.is_object()) {
    throw Error("the header is not a JSON object (it is " + json_kind(root) + ")")
        .file(file)
        .hint("the file is corrupt or is not a safetensors file");
  }

  HeaderParser parser(path, size, size - data_offset_);
  for (const auto& [name, value] : root.items()) {
    if (name == kMetadataKey) {
      metadata_ = parser.parse_metadata(value);
    } else {
      tensors_.push_back(parser.parse_tensor(name, value));
    }
  }
  std::sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  parser.check_layout(tensors_);

  index_.reserve(tensors_.size());
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

bool SafetensorsFile::contains(const std::string& name) const {
  return index_.count(name) != 0;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it != index_.end()) return tensors_[it->second];

  std::string some;
  for (size_t i = 0; i < tensors_.size() && i < 3; ++i) {
    some += (i ? ", '" : "'") + tensors_[i].name + "'";
  }
  throw Error("no such tensor in the file")
      .file(path_.string())
      .key(name)
      .hint(tensors_.empty() ? "the file holds no tensors"
                             : "the file holds " + std::to_string(tensors_.size()) +
                                   " tensors, such as " + some);
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const TensorInfo& t = info(name);
  const auto options = at::TensorOptions().dtype(t.dtype).device(at::kCPU);
  if (t.nbytes() == 0) return at::empty(t.shape, options);

  uint8_t* bytes = map_->data() + data_offset_ + t.begin;
  if (t.dtype == at::kBool) {
    // Any byte but 0 and 1 is an invalid bool, and ATen's kernels behave undefinedly on one.
    const uint8_t* bad = std::find_if(bytes, bytes + t.nbytes(), [](uint8_t b) { return b > 1; });
    if (bad != bytes + t.nbytes()) {
      throw Error("BOOL tensor holds the byte " + std::to_string(*bad) + " at element " +
                  std::to_string(bad - bytes) + "; a bool must be 0 or 1")
          .file(path_.string())
          .key(name)
          .hint("the file is corrupt; write it again");
    }
  }

  // The data section starts at 8 + header length, which writers pad to a multiple of 8, and
  // the mapping starts on a page (bytes held in memory, on malloc's 16-byte boundary); so data
  // is aligned unless a writer skipped the padding.
  // ATen's kernels read elements through typed pointers (float*, double*), and a misaligned
  // one is undefined behaviour in C++ (it faults on some CPUs, breaks vectorised loads and
  // CUDA copies that assume alignment). Such a tensor is copied into aligned memory instead.
  if (reinterpret_cast<uintptr_t>(bytes) % dtype_itemsize(t.dtype) != 0) {
    log::debug("copying misaligned tensor '", name, "' from ", path_.string());
    at::Tensor copy = at::empty(t.shape, options);
    std::memcpy(copy.data_ptr(), bytes, t.nbytes());
    return copy;
  }
  std::shared_ptr<const MappedFile> keep_alive = map_;
  return at::from_blob(
      bytes, t.shape, [keep_alive](void*) {}, options);
}

}  // namespace reel
