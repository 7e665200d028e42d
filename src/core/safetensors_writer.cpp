#include "core/safetensors_writer.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <numeric>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/dtype.h"
#include "core/error.h"

namespace reel {
namespace {

struct Planned {
  const std::string* name;
  const at::Tensor* tensor;
  std::string_view dtype_name;
  size_t itemsize;
  uint64_t nbytes;
  uint64_t begin = 0;
};

Error tensor_error(const std::filesystem::path& path, const std::string& name,
                   const std::string& message) {
  Error e(message);
  e.file(path.string()).key(name);
  return e;
}

// Checks every tensor, lays out the data and builds the header; then hands the file's bytes
// to `sink` in order (length, header, each tensor), one tensor on the CPU at a time.
template <class Sink>
void serialize(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, at::Tensor>>& tensors,
               const std::map<std::string, std::string>& metadata, Sink&& sink) {
  // Check everything before creating the file.
  std::vector<Planned> plan;
  plan.reserve(tensors.size());
  std::unordered_set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") {
      throw tensor_error(path, name, "the name \"__metadata__\" is reserved for the metadata");
    }
    if (!names.insert(name).second) throw tensor_error(path, name, "two tensors have this name");
    if (!t.defined()) throw tensor_error(path, name, "the tensor is undefined");
    if (t.layout() != at::kStrided) {
      throw tensor_error(path, name, "the tensor is sparse; convert it to a dense one first");
    }
    if (t.is_meta())
      throw tensor_error(path, name, "the tensor is on the meta device: it has no data");
    auto dtype_name = safetensors_dtype_name(t.scalar_type());
    if (!dtype_name) {
      throw tensor_error(path, name,
                         std::string("cannot store dtype ") + c10::toString(t.scalar_type()))
          .hint("convert it to one of " + known_safetensors_dtypes() + " first");
    }
    size_t itemsize = dtype_itemsize(t.scalar_type());
    plan.push_back({&name, &t, *dtype_name, itemsize, static_cast<uint64_t>(t.numel()) * itemsize});
  }

  // Data by element size, largest first: every size is a power of two and each tensor's byte
  // count is a multiple of its element size, so every offset stays aligned for its tensor.
  std::vector<size_t> order(plan.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return plan[a].itemsize > plan[b].itemsize; });
  uint64_t offset = 0;
  for (size_t i : order) {
    plan[i].begin = offset;
    offset += plan[i].nbytes;
  }

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  for (const Planned& p : plan) {
    header[*p.name] = {{"dtype", p.dtype_name},
                       {"shape", p.tensor->sizes().vec()},
                       {"data_offsets", {p.begin, p.begin + p.nbytes}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  unsigned char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(uint64_t{text.size()} >> (8 * i));

  sink.begin(8 + text.size() + offset);
  sink.write(length, sizeof(length));
  sink.write(text.data(), text.size());
  for (size_t i : order) {
    const Planned& p = plan[i];
    // One tensor at a time on the CPU: a model on the GPU is never copied whole to host memory.
    at::Tensor cpu = p.tensor->detach().to(at::kCPU).resolve_conj().resolve_neg().contiguous();
    TORCH_CHECK(static_cast<uint64_t>(cpu.nbytes()) == p.nbytes, "size of ", *p.name, " changed");
    sink.write(cpu.data_ptr(), p.nbytes);
  }
}

struct FileSink {
  std::unique_ptr<AtomicFile> file;
  const std::filesystem::path& path;
  void begin(uint64_t) { file = std::make_unique<AtomicFile>(path); }
  void write(const void* data, size_t n) { file->write(data, n); }
};

struct StringSink {
  std::string bytes;
  void begin(uint64_t total) { bytes.reserve(total); }
  void write(const void* data, size_t n) { bytes.append(static_cast<const char*>(data), n); }
};

}  // namespace

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  FileSink sink{nullptr, path};
  serialize(path, tensors, metadata, sink);
  sink.file->commit();
}

std::string safetensors_bytes(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  StringSink sink;
  serialize({}, tensors, metadata, sink);
  return std::move(sink.bytes);
}

}  // namespace reel
