#include "config/config_report.h"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/option_value.h"

namespace reel {
namespace {

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string format_options(const LoadedConfig& config) {
  std::ostringstream out;
  out << "config file: " << (config.config_file().empty() ? "(none)" : config.config_file())
      << "\n\noptions:\n";
  size_t width = 0;
  for (const auto& k : config.keys()) width = std::max(width, k.size());
  for (const auto& k : config.keys()) {
    out << "  " << k << std::string(width - k.size(), ' ') << " = "
        << value_text(config.get_json(k)) << "   [" << to_string(config.source_of(k)) << "]\n";
  }
  return out.str();
}

std::string format_diagnostics(const Diagnostics& diagnostics) {
  std::ostringstream notes, problems;
  size_t counts[3] = {0, 0, 0};
  for (const auto& d : diagnostics) {
    ++counts[static_cast<int>(d.severity)];
    (d.severity == Severity::kNotice ? notes : problems) << "  " << to_string(d) << "\n";
  }
  std::ostringstream out;
  if (counts[0] > 0) out << "notes:\n" << notes.str() << "\n";
  out << "problems:" << (counts[1] + counts[2] == 0 ? " none\n" : "\n" + problems.str());
  out << "\n"
      << plural(counts[2], "error") << ", " << plural(counts[1], "warning") << ", "
      << plural(counts[0], "note") << "\n";
  return out.str();
}

}  // namespace reel
