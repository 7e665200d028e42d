// config.json: where it is found when none is named, and its keys as raw settings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/env_lookup.h"
#include "config/raw_setting.h"

namespace reel {

// $CONFIG_PATH, else config/$ENV/config.json, else config/config.json (spec §1), relative
// to `working_dir`; nullopt when none of them exists. A CONFIG_PATH that names no file is an
// error in `diags`.
std::optional<std::string> find_config_file(const EnvLookup& env, const std::string& working_dir,
                                            Diagnostics& diags);

// The top-level keys of `path` (leading dashes removed), with `{env:NAME}` placeholders in
// strings resolved. Unreadable or malformed files are errors in `diags`.
std::vector<RawSetting> read_config_file(const std::string& path, const EnvLookup& env,
                                         Diagnostics& diags);

}  // namespace reel
