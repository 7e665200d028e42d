// Turns one object of multidatabackend.json into a DatasetConfig: the checks that need only
// that entry (types, allowed values, required keys, the video block, unknown keys). The rules
// between entries (unique ids, the default text_embeds entry, references) are the loader's.
// Internal to dataset_config_loader.cpp.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "config/dataset_config.h"
#include "config/diagnostic.h"

namespace reel {

struct ParsedDatasetEntry {
  DatasetConfig config;
  std::string where;               // "file: dataset 'x' (entry 2)", for messages
  bool has_id = false;             // a usable id was found
  bool usable = false;             // id and dataset_type valid: the entry joins the rules
  bool names_text_embeds = false;  // it chose its text_embeds entry itself
};

// `index` counts from 0. A disabled entry is read leniently: its problems are not reported.
ParsedDatasetEntry parse_dataset_entry(const nlohmann::json& object, const std::string& source,
                                       size_t index, const DatasetDefaults& defaults,
                                       Diagnostics& diags);

// "file: dataset 'x' (entry 2)", or "file: entry 2" without an id; entries counted from 1.
std::string dataset_location(const std::string& source, size_t index, const std::string& id);

}  // namespace reel
