#include "models/component_path.h"

#include "core/error.h"

namespace fs = std::filesystem;

namespace reel {

ComponentPath find_component(const fs::path& path, const std::string& component,
                             const std::string& subfolder) {
  if (!fs::exists(path)) {
    throw Error("no such file or folder")
        .file(path.string())
        .hint("give a diffusers model folder, a " + component + " folder, or a .safetensors file");
  }
  ComponentPath r;
  if (!fs::is_directory(path)) {
    r.weights = path;
    fs::path beside = path.parent_path() / "config.json";
    if (fs::exists(beside)) r.config = beside;
    return r;
  }
  r.weights = path;
  if (subfolder.empty()) {
    if (fs::is_directory(path / component)) {
      r.weights = path / component;
    } else if (fs::exists(path / "model_index.json")) {
      throw Error("this diffusers pipeline folder has no '" + component + "' folder")
          .file(path.string())
          .hint("is the download complete? Or name the " + component + "'s subfolder");
    }
  } else if (subfolder != "none") {
    if (!fs::is_directory(path / subfolder)) {
      throw Error("this folder has no '" + subfolder + "' folder")
          .file(path.string())
          .hint("name the " + component + "'s subfolder, or 'none' to load the folder itself");
    }
    r.weights = path / subfolder;
  }
  if (fs::exists(r.weights / "config.json")) r.config = r.weights / "config.json";
  return r;
}

}  // namespace reel
