#include "train/checkpoint_folders.h"

#include <algorithm>
#include <regex>

#include "core/error.h"
#include "core/log.h"

namespace reel {
namespace fs = std::filesystem;

std::vector<CheckpointFolder> list_checkpoints(const fs::path& output_dir) {
  static const std::regex name(R"(checkpoint-(\d+))");
  std::vector<CheckpointFolder> found;
  std::error_code ec;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string file = it->path().filename().string();
    if (it->is_directory(ec) && std::regex_match(file, m, name)) {
      found.push_back({std::stoll(m[1].str()), it->path()});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const CheckpointFolder& a, const CheckpointFolder& b) { return a.step < b.step; });
  return found;
}

fs::path checkpoint_path(const fs::path& output_dir, int64_t step) {
  return output_dir / ("checkpoint-" + std::to_string(step));
}

std::optional<CheckpointFolder> resolve_resume(const fs::path& output_dir,
                                               const std::string& value) {
  if (value.empty() || value == "none") return std::nullopt;
  if (value == "latest") {
    std::vector<CheckpointFolder> all = list_checkpoints(output_dir);
    if (all.empty()) {
      log::info("resume_from_checkpoint latest: no checkpoint in ", output_dir.string(),
                ", starting from step 0");
      return std::nullopt;
    }
    return all.back();
  }
  for (const fs::path& candidate : {fs::path(value), output_dir / value}) {
    static const std::regex name(R"(checkpoint-(\d+))");
    std::smatch m;
    const std::string file = candidate.filename().string();
    if (fs::is_directory(candidate) && std::regex_match(file, m, name)) {
      return CheckpointFolder{std::stoll(m[1].str()), candidate};
    }
  }
  throw Error("no checkpoint folder '" + value + "'")
      .key("resume_from_checkpoint")
      .hint("use latest, a checkpoint-<step> folder in " + output_dir.string() +
            ", or a path to one");
}

std::vector<fs::path> rotate_checkpoints(const fs::path& output_dir, int64_t limit) {
  std::vector<fs::path> removed;
  if (limit <= 0) return removed;
  std::vector<CheckpointFolder> all = list_checkpoints(output_dir);
  for (size_t i = 0; i + static_cast<size_t>(limit) < all.size(); ++i) {
    std::error_code ec;
    fs::remove_all(all[i].path, ec);
    if (ec) {
      log::warn("cannot remove old checkpoint ", all[i].path.string(), ": ", ec.message());
      continue;
    }
    log::info("removed ", all[i].path.string(), " (checkpoints_total_limit ", limit, ")");
    removed.push_back(all[i].path);
  }
  return removed;
}

}  // namespace reel
