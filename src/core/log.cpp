#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/error.h"

namespace reel::log {
namespace {

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      break;
  }
  return spdlog::level::off;
}

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = spdlog::stderr_color_mt("reel");
  logger->set_pattern("%^%L%$ %H:%M:%S %v");
  return logger;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

}  // namespace

void init(const std::string& cli_level) {
  std::string name = cli_level;
  std::string source = "--log_level";
  if (name.empty()) {
    const char* env = std::getenv("REEL_LOG_LEVEL");
    name = env && *env ? env : "info";
    source = "REEL_LOG_LEVEL";
  }
  if (name == "warning") name = "warn";
  auto level = spdlog::level::from_str(name);
  // from_str maps every unknown name to "off"; only "off" itself may mean that.
  if (level == spdlog::level::off && name != "off") {
    throw Error("unknown log level '" + name + "'")
        .key(source)
        .hint("use one of trace, debug, info, warn, error, off");
  }
  logger().set_level(level);
}

bool enabled(Level level) {
  return logger().should_log(to_spdlog(level));
}

void write(Level level, const std::string& message) {
  logger().log(to_spdlog(level), message);
}

}  // namespace reel::log
