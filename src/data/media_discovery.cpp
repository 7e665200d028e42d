#include "data/media_discovery.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"
#include "core/log.h"

namespace fs = std::filesystem;

namespace reel {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The key a path is compared by against the exclusions: absolute and normal, through
// symlinks when it exists.
std::string path_key(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  if (ec) c = fs::absolute(p, ec).lexically_normal();
  return c.string();
}

bool is_hidden(const std::string& name) {
  return !name.empty() && name[0] == '.';
}

// core/atomic_file.h writes "<target>.tmp-XXXXXX" beside its target.
bool is_atomic_temp(const std::string& name) {
  auto pos = name.rfind(".tmp-");
  return pos != std::string::npos && name.size() - pos == 11;
}

struct Walk {
  fs::path root;
  MediaKind kind;
  std::set<std::string> excluded;
  std::set<std::string> visited;  // canonical folders, so that a symlink loop ends
  std::vector<std::string> found;

  void folder(const fs::path& dir, const std::string& rel) {
    if (!visited.insert(path_key(dir)).second) return;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      log::warn("cannot read folder ", dir.string(), ": ", ec.message(), "; skipped");
      return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      if (is_hidden(name) || is_atomic_temp(name)) continue;
      if (!excluded.empty() && excluded.count(path_key(p))) continue;
      const std::string child_rel = rel.empty() ? name : rel + "/" + name;
      std::error_code sec;
      fs::file_status st = fs::status(p, sec);  // follows symlinks
      if (sec) {
        log::debug("skipping ", p.string(), ": ", sec.message());
        continue;
      }
      if (fs::is_directory(st)) {
        folder(p, child_rel);
      } else if (fs::is_regular_file(st) && has_media_extension(p, kind)) {
        found.push_back(child_rel);
      }
    }
    if (ec) log::warn("cannot finish reading folder ", dir.string(), ": ", ec.message());
  }
};

}  // namespace

const std::vector<std::string>& media_extensions(MediaKind kind) {
  static const std::vector<std::string> kVideo = {"mp4", "mov", "mkv",  "webm", "avi", "m4v",
                                                  "gif", "mpg", "mpeg", "wmv",  "flv", "3gp",
                                                  "ts",  "mts", "m2ts", "ogv",  "vob"};
  static const std::vector<std::string> kImage = {"jpg", "jpeg", "png", "webp", "bmp"};
  return kind == MediaKind::kVideo ? kVideo : kImage;
}

std::string extension_list(MediaKind kind) {
  std::string out;
  for (const auto& e : media_extensions(kind)) out += (out.empty() ? "" : ", ") + e;
  return out;
}

bool has_media_extension(const fs::path& path, MediaKind kind) {
  std::string ext = path.extension().string();
  if (ext.size() < 2) return false;
  ext = lower(ext.substr(1));
  const auto& all = media_extensions(kind);
  return std::find(all.begin(), all.end(), ext) != all.end();
}

std::vector<std::string> discover_media(const fs::path& root, MediaKind kind,
                                        const std::vector<fs::path>& exclude) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw Error(fs::exists(root, ec) ? "not a folder" : "folder not found")
        .file(root.string())
        .hint("instance_data_dir must name the folder that holds the dataset's media files");
  }
  Walk walk{root, kind, {}, {}, {}};
  for (const auto& p : exclude) {
    if (!p.empty()) walk.excluded.insert(path_key(p));
  }
  walk.folder(root, "");
  std::sort(walk.found.begin(), walk.found.end());
  return walk.found;
}

}  // namespace reel
