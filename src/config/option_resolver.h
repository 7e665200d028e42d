// Applies layers of raw settings (file, environment, command line) over the registry's
// defaults: legacy aliases mapped, ST options Reel ignores warned about once, unknown keys
// reported with a suggestion, values converted and checked.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/option.h"
#include "config/raw_setting.h"
#include "config/resolved_values.h"

namespace reel {

class OptionResolver {
 public:
  // Starts from every option's default.
  OptionResolver();

  // One source; later calls take precedence. Within a layer a canonical key wins over its
  // legacy alias (checkpoint_step_interval over checkpointing_steps).
  void apply(const std::vector<RawSetting>& layer);
  // One notice for each user-set option that is accepted but not built yet.
  void note_unbuilt();

  ValueMap& values() { return values_; }
  Diagnostics& diagnostics() { return diags_; }

 private:
  void apply_alias(const RawSetting& s);
  void set(const Option& option, const RawSetting& s, const std::string& written_key);
  void warn_ignored(const RawSetting& s, const std::string& written_key);

  ValueMap values_;
  Diagnostics diags_;
  std::set<std::string> warned_ignored_;
};

}  // namespace reel
