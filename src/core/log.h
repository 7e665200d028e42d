// Logging. spdlog writes the lines, but its headers never meet ATen's: libtorch ships its
// own, newer {fmt} that Debian's spdlog cannot compile against, so callers go through this
// small facade and spdlog lives in log.cpp alone.
//
//   log::info("cached ", n, " clips into ", dir);
#pragma once

#include <sstream>
#include <string>

namespace reel::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Levels: trace, debug, info, warn, error, off. `cli_level` wins over REEL_LOG_LEVEL when not
// empty; an unknown name throws reel::Error listing the valid ones.
void init(const std::string& cli_level = "");

bool enabled(Level level);
void write(Level level, const std::string& message);

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  return s.str();
}

template <class... Parts>
void trace(const Parts&... p) {
  if (enabled(Level::kTrace)) write(Level::kTrace, concat(p...));
}
template <class... Parts>
void debug(const Parts&... p) {
  if (enabled(Level::kDebug)) write(Level::kDebug, concat(p...));
}
template <class... Parts>
void info(const Parts&... p) {
  if (enabled(Level::kInfo)) write(Level::kInfo, concat(p...));
}
template <class... Parts>
void warn(const Parts&... p) {
  if (enabled(Level::kWarn)) write(Level::kWarn, concat(p...));
}
template <class... Parts>
void error(const Parts&... p) {
  if (enabled(Level::kError)) write(Level::kError, concat(p...));
}

}  // namespace reel::log
