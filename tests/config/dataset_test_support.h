// Helpers shared by the dataset-config tests: a small valid multidatabackend.json to vary,
// and lookups in the diagnostics it produces.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/dataset_config.h"
#include "config/dataset_config_loader.h"
#include "config/diagnostic.h"

namespace reel::test {

struct ParsedDatasets {
  DatasetConfigs datasets;
  Diagnostics diags;
};

inline ParsedDatasets parse_datasets(const nlohmann::json& file, const DatasetDefaults& d = {}) {
  ParsedDatasets p;
  p.datasets = parse_dataset_config(file.dump(2), "datasets.json", d, p.diags);
  return p;
}

// A valid file: video dataset `clips` reading `dir`, with `extra` merged over it, and the
// default text-embed cache `text-embeds`.
inline nlohmann::json video_and_text_embeds(
    const std::string& dir, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json video = {{"id", "clips"},
                          {"type", "local"},
                          {"dataset_type", "video"},
                          {"instance_data_dir", dir},
                          {"video", {{"num_frames", 81}}}};
  video.update(extra);
  nlohmann::json text = {
      {"id", "text-embeds"}, {"type", "local"}, {"dataset_type", "text_embeds"}, {"default", true}};
  return nlohmann::json::array({video, text});
}

inline std::vector<Diagnostic> with(const Diagnostics& ds, Severity s, const std::string& key) {
  std::vector<Diagnostic> out;
  for (const auto& d : ds) {
    if (d.severity == s && d.key == key) out.push_back(d);
  }
  return out;
}

inline size_t count(const Diagnostics& ds, Severity s) {
  size_t n = 0;
  for (const auto& d : ds) n += d.severity == s;
  return n;
}

inline std::string dump(const Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += to_string(d) + "\n";
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace reel::test
