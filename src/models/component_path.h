// Where a model part's weights and config.json are, from whatever the user points at: a
// diffusers pipeline folder (the part's subfolder: transformer/, vae/, text_encoder/,
// image_encoder/), the part's own folder, or a weights file with its config.json beside it.
#pragma once

#include <filesystem>
#include <string>

namespace reel {

struct ComponentPath {
  std::filesystem::path weights;  // the folder or file to open
  std::filesystem::path config;   // its config.json, empty when there is none
};

// `component` is the part's subfolder in a pipeline. `subfolder` overrides it: "" = the
// component's folder when there is one; "none" = `path` itself; a name = that subfolder,
// which must exist. Throws reel::Error for a missing path, or a pipeline folder
// (model_index.json) without the part.
ComponentPath find_component(const std::filesystem::path& path, const std::string& component,
                             const std::string& subfolder = "");

}  // namespace reel
