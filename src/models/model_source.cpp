#include "models/model_source.h"

#include <cstdlib>
#include <fstream>
#include <regex>

#include "core/error.h"

namespace reel {
namespace fs = std::filesystem;
namespace {

fs::path hub_cache_root() {
  if (const char* hub = std::getenv("HF_HUB_CACHE"); hub && *hub) return hub;
  if (const char* home = std::getenv("HF_HOME"); home && *home) return fs::path(home) / "hub";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "huggingface" / "hub";
  const char* user_home = std::getenv("HOME");
  return fs::path(user_home ? user_home : "") / ".cache" / "huggingface" / "hub";
}

// The snapshot folder of a cached repository, or empty.
fs::path cached_snapshot(const fs::path& repo_dir) {
  std::error_code ec;
  std::ifstream ref(repo_dir / "refs" / "main");
  std::string commit;
  if (ref >> commit && fs::is_directory(repo_dir / "snapshots" / commit, ec))
    return repo_dir / "snapshots" / commit;
  fs::path newest;
  fs::file_time_type newest_time;
  for (fs::directory_iterator it(repo_dir / "snapshots", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    fs::file_time_type t = it->last_write_time(ec);
    if (newest.empty() || t > newest_time) newest = it->path(), newest_time = t;
  }
  return newest;
}

}  // namespace

fs::path resolve_model_source(const std::string& name_or_path, const std::string& option) {
  std::error_code ec;
  if (name_or_path.empty()) {
    throw Error("no model given").key(option).hint("set " + option + " to a diffusers folder");
  }
  if (fs::exists(name_or_path, ec)) return name_or_path;

  static const std::regex repo_id(R"(^[A-Za-z0-9][\w.-]*/[\w.-]+$)");
  if (std::regex_match(name_or_path, repo_id) && name_or_path.find("..") == std::string::npos) {
    std::string org = name_or_path.substr(0, name_or_path.find('/'));
    std::string name = name_or_path.substr(name_or_path.find('/') + 1);
    fs::path root = hub_cache_root();
    fs::path snapshot = cached_snapshot(root / ("models--" + org + "--" + name));
    if (!snapshot.empty()) return snapshot;
    throw Error("'" + name_or_path + "' is neither a local path nor in the Hugging Face cache (" +
                root.string() + ")")
        .key(option)
        .hint("Reel does not download models: run `huggingface-cli download " + name_or_path +
              "` first, or set " + option + " to the model's folder");
  }
  throw Error("'" + name_or_path + "' does not exist")
      .key(option)
      .hint("set " + option +
            " to a diffusers folder, a .safetensors file or a Hugging Face repository id");
}

}  // namespace reel
