// Where a resolved option value came from, so `reel config check` can answer "why is this
// set?". Precedence, lowest first: default < config file < environment < command line; rules
// (Wan's forced settings) come last.
#pragma once

#include <string>

namespace reel {

enum class SourceKind { kDefault, kFile, kEnv, kCli, kRule };

struct ValueSource {
  SourceKind kind = SourceKind::kDefault;
  // kFile: the path; kEnv: the variable (REEL_SEED, TRAINER_EXTRA_ARGS); kRule: the reason;
  // kDefault: what the default was derived from, "" for the registry's own.
  std::string where;
};

// "default", "default (flavour t2v-480p-1.3b-2.1)", "file config/config.json",
// "env REEL_SEED", "command line", "rule: Wan requires 32".
std::string to_string(const ValueSource& source);

// The label diagnostics use for the place a value came from: the path, "env REEL_SEED",
// "command line".
std::string diagnostic_origin(const ValueSource& source);

}  // namespace reel
