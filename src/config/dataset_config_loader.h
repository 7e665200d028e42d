// Loads a SimpleTuner multidatabackend.json into DatasetConfigs (spec/dataloader.md §1, §3).
//
// Problems are collected, not thrown, so `reel config check` can show them all; call
// throw_if_errors() when a valid configuration is needed. Each message names the file, the
// dataset (id and position), the key, the value and what is allowed.
//
//   Diagnostics diags;
//   DatasetConfigs datasets = load_dataset_config(path, defaults_from(options), diags);
//   throw_if_errors(diags);
//
// Checked: the file is a JSON array of objects; ids present and unique; `type` local; the
// dataset_type and each value's type and allowed values; required keys per dataset_type;
// instance_data_dir exists (relative to the current directory, as in ST); exactly one
// default text_embeds entry (a lone text_embeds entry without `default` is taken as the
// default with a warning, as ST does); references to text_embeds, image_embeds,
// conditioning_image_embeds and conditioning_data entries; the video block. Unknown keys get a
// did-you-mean warning, SimpleTuner keys Reel does not implement one "not supported" warning.
// Disabled entries are read leniently (no messages) and take part in no rule.
#pragma once

#include <filesystem>
#include <string>

#include "config/dataset_config.h"
#include "config/diagnostic.h"

namespace reel {

// Reads and checks the file at `path`; an unreadable file is an error in `diags`.
DatasetConfigs load_dataset_config(const std::filesystem::path& path,
                                   const DatasetDefaults& defaults, Diagnostics& diags);

// The same for JSON text; `source` names it in messages and in DatasetConfig::source.
DatasetConfigs parse_dataset_config(const std::string& json_text, const std::string& source,
                                    const DatasetDefaults& defaults, Diagnostics& diags);

}  // namespace reel
