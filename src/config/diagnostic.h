// A finding about the user's configuration: an unknown key, a bad value, a rule broken
// between two options, an option that is accepted but not built yet. Loaders collect these
// instead of throwing so that `reel config check` can show every problem at once; callers
// that need a valid configuration call throw_if_errors().
#pragma once

#include <string>
#include <vector>

namespace reel {

enum class Severity { kNotice, kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;     // where the value came from: a path, "command line", "env REEL_SEED"
  std::string key;      // option or dataset key, "" when about the whole file
  std::string message;  // what is wrong, naming the value and what is allowed
  std::string hint;     // how to fix it, may be ""
};

using Diagnostics = std::vector<Diagnostic>;

// "warning: config.json: key 'lerning_rate': unknown option (did you mean 'learning_rate'?)"
std::string to_string(const Diagnostic& d);

bool has_errors(const Diagnostics& ds);

// Throws reel::Error built from the first error, counting the others in its hint.
void throw_if_errors(const Diagnostics& ds);

}  // namespace reel
