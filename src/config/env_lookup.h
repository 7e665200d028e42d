// Reading environment variables through a function, so tests can supply their own.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace reel {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvLookup process_env();

}  // namespace reel
