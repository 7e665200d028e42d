#include "data/cache_key.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <system_error>

#include "core/error.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

// Files that make up a model: weights, configs, tokenizer models.
bool is_model_file(const fs::path& p) {
  static const std::array<const char*, 10> kExtensions = {
      ".safetensors", ".json", ".model", ".bin", ".pth", ".pt", ".ckpt", ".gguf", ".sft", ".txt"};
  const std::string ext = p.extension().string();
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

// Hidden entries (".cache/huggingface" download bookkeeping, editor files) are not the model.
bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

int64_t mtime_ns(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::string file_entry(const std::string& name, const fs::path& p) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(p, ec);
  return name + "\n" + std::to_string(ec ? 0 : size) + "\n" + std::to_string(mtime_ns(p));
}

}  // namespace

std::string cache_key(const std::vector<std::string>& parts) {
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) throw Error("xxhash: out of memory");
  XXH3_128bits_reset(state);
  for (const std::string& part : parts) {
    unsigned char length[8];
    const uint64_t n = part.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(n >> (8 * i));
    XXH3_128bits_update(state, length, sizeof(length));
    XXH3_128bits_update(state, part.data(), part.size());
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);

  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char byte : canonical.digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::string model_identity(const std::filesystem::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    throw Error("the model path does not exist")
        .file(path.string())
        .hint("point the option at the model's folder or weights file");
  }
  if (!fs::is_directory(status)) {
    return cache_key({"model file", file_entry(path.filename().string(), path)});
  }

  std::vector<std::string> entries;
  const auto options = fs::directory_options::follow_directory_symlink |
                       fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(path, options, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ignored;  // an entry that vanished or cannot be read is left out
    if (is_hidden(it->path())) {
      if (it->is_directory(ignored)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ignored) || !is_model_file(it->path())) continue;
    entries.push_back(file_entry(it->path().lexically_relative(path).generic_string(), it->path()));
  }
  if (ec) {
    throw Error("cannot list the model folder: " + ec.message()).file(path.string());
  }
  std::sort(entries.begin(), entries.end());
  entries.insert(entries.begin(), "model folder");
  return cache_key(entries);
}

}  // namespace reel
