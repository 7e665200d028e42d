#include "data/tensor_cache.h"

#include <ATen/ATen.h>

#include <optional>
#include <string_view>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mapped_file.h"
#include "core/safetensors.h"
#include "core/safetensors_writer.h"
#include "data/zstd_frame.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

const char kKeyField[] = "reel_cache_key";
const char kPlainSuffix[] = ".safetensors";
const char kZstdSuffix[] = ".safetensors.zst";
constexpr int kZstdLevel = 3;

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct EntryFile {
  fs::path path;
  bool compressed;
};

// The file holding an entry: the one in the cache's own format when both exist (a crash
// between writing one and removing its twin), else whichever exists.
std::optional<EntryFile> locate(const fs::path& own, const fs::path& twin, bool compress) {
  std::error_code ec;
  if (fs::exists(own, ec)) return EntryFile{own, compress};
  if (fs::exists(twin, ec)) return EntryFile{twin, !compress};
  return std::nullopt;
}

// Throws reel::Error when the file is unreadable, truncated or damaged.
SafetensorsFile open_entry(const EntryFile& f) {
  if (!f.compressed) return SafetensorsFile::open(f.path);
  std::shared_ptr<const MappedFile> m = MappedFile::open(f.path);
  std::string_view frame(reinterpret_cast<const char*>(m->data()), m->size());
  return SafetensorsFile::from_bytes(zstd_decompress(frame, f.path.string()), f.path);
}

// Creates `dir` and its parents; another writer creating them at the same time is fine.
void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (fs::is_directory(dir)) return;
  throw Error("cannot create the cache folder: " + ec.message())
      .file(dir.string())
      .hint("check the permissions of the folder, or choose another cache folder");
}

}  // namespace

const char* to_string(CacheState state) {
  switch (state) {
    case CacheState::kMissing:
      return "missing";
    case CacheState::kStale:
      return "stale";
    case CacheState::kCorrupt:
      return "corrupt";
    case CacheState::kValid:
      return "valid";
  }
  return "unknown";
}

const at::Tensor& CacheEntry::get(const std::string& name) const {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  std::string held;
  for (const auto& [n, t] : tensors) held += (held.empty() ? "'" : ", '") + n + "'";
  Error e("the cache entry" +
          (metadata.count("source") ? " of " + metadata.at("source") : std::string()) +
          " holds no tensor '" + name + "'");
  e.key(name).hint(held.empty() ? "it holds no tensors; rebuild the cache"
                                : "it holds " + held + "; rebuild the cache");
  throw e;
}

TensorCache::TensorCache(std::filesystem::path dir, bool compress)
    : dir_(std::move(dir)), compress_(compress) {}

namespace {

fs::path entry_path(const fs::path& dir, const std::string& name, const char* suffix) {
  if (name.empty() || fs::path(name).is_absolute()) {
    throw Error("invalid cache entry name \"" + name + "\": expected a relative name")
        .file(dir.string());
  }
  for (const fs::path& part : fs::path(name)) {
    if (part == "..") {
      throw Error("invalid cache entry name \"" + name + "\": it leaves the cache folder")
          .file(dir.string());
    }
  }
  fs::path p = dir / name;
  p += suffix;
  return p;
}

}  // namespace

std::filesystem::path TensorCache::path_for(const std::string& name) const {
  const fs::path own = entry_path(dir_, name, compress_ ? kZstdSuffix : kPlainSuffix);
  const fs::path twin = entry_path(dir_, name, compress_ ? kPlainSuffix : kZstdSuffix);
  std::optional<EntryFile> f = locate(own, twin, compress_);
  return f ? f->path : own;
}

CacheState TensorCache::state(const std::string& name, const std::string& key) const {
  const fs::path own = entry_path(dir_, name, compress_ ? kZstdSuffix : kPlainSuffix);
  const fs::path twin = entry_path(dir_, name, compress_ ? kPlainSuffix : kZstdSuffix);
  std::optional<EntryFile> f = locate(own, twin, compress_);
  if (!f) return CacheState::kMissing;
  try {
    const SafetensorsFile file = open_entry(*f);
    auto it = file.metadata().find(kKeyField);
    return it != file.metadata().end() && it->second == key ? CacheState::kValid
                                                            : CacheState::kStale;
  } catch (const Error&) {
    return CacheState::kCorrupt;
  }
}

CacheEntry TensorCache::read(const std::string& name) const {
  const fs::path own = entry_path(dir_, name, compress_ ? kZstdSuffix : kPlainSuffix);
  const fs::path twin = entry_path(dir_, name, compress_ ? kPlainSuffix : kZstdSuffix);
  std::optional<EntryFile> f = locate(own, twin, compress_);
  if (!f) {
    throw Error("the cache entry does not exist")
        .file(own.string())
        .hint("fill the cache first (it is filled before training starts)");
  }
  try {
    const SafetensorsFile file = open_entry(*f);
    CacheEntry entry;
    for (const TensorInfo& t : file.tensors())
      entry.tensors.emplace_back(t.name, file.tensor(t.name));
    entry.metadata = file.metadata();
    entry.metadata.erase(kKeyField);
    return entry;
  } catch (const Error& e) {
    throw Error("the cache entry is corrupt: " + e.message())
        .file(f->path.string())
        .hint("delete the file; the next cache pass rebuilds it");
  }
}

void TensorCache::write(const std::string& name, const std::string& key,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                        const std::map<std::string, std::string>& metadata) const {
  const fs::path target = entry_path(dir_, name, compress_ ? kZstdSuffix : kPlainSuffix);
  const fs::path twin = entry_path(dir_, name, compress_ ? kPlainSuffix : kZstdSuffix);
  make_dirs(target.parent_path());

  std::map<std::string, std::string> meta = metadata;
  meta[kKeyField] = key;
  try {
    if (compress_) {
      write_file_atomic(target, zstd_compress(safetensors_bytes(tensors, meta), kZstdLevel));
    } else {
      write_safetensors(target, tensors, meta);
    }
  } catch (Error& e) {
    if (e.file().empty()) e.file(target.string());
    throw;
  }
  std::error_code ec;
  fs::remove(twin, ec);  // the entry in the other format is now stale
}

void TensorCache::remove(const std::string& name) const {
  for (const char* suffix : {kPlainSuffix, kZstdSuffix}) {
    const fs::path p = entry_path(dir_, name, suffix);
    std::error_code ec;
    fs::remove(p, ec);
    if (ec) throw Error("cannot delete the cache entry: " + ec.message()).file(p.string());
  }
}

uint64_t TensorCache::disk_bytes() const {
  uint64_t total = 0;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (!ends_with(file, kPlainSuffix) && !ends_with(file, kZstdSuffix)) continue;
    std::error_code size_ec;
    const uintmax_t size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
    if (!size_ec) total += size;
  }
  return total;
}

}  // namespace reel
