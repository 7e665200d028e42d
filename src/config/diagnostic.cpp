#include "config/diagnostic.h"

#include <algorithm>

#include "core/error.h"

namespace reel {

std::string to_string(const Diagnostic& d) {
  static const char* const kLabel[] = {"note", "warning", "error"};
  std::string s = std::string(kLabel[static_cast<int>(d.severity)]) + ": ";
  if (!d.file.empty()) s += d.file + ": ";
  if (!d.key.empty()) s += "key '" + d.key + "': ";
  s += d.message;
  if (!d.hint.empty()) s += " (" + d.hint + ")";
  return s;
}

bool has_errors(const Diagnostics& ds) {
  return std::any_of(ds.begin(), ds.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

void throw_if_errors(const Diagnostics& ds) {
  auto first = std::find_if(ds.begin(), ds.end(),
                            [](const Diagnostic& d) { return d.severity == Severity::kError; });
  if (first == ds.end()) return;
  Error e(first->message);
  e.file(first->file).key(first->key);
  auto n = std::count_if(ds.begin(), ds.end(),
                         [](const Diagnostic& d) { return d.severity == Severity::kError; });
  std::string hint = first->hint;
  if (n > 1) {
    hint += (hint.empty() ? "" : "; ") + std::to_string(n - 1) +
            " more error(s): run `reel config check` to see them all";
  }
  e.hint(hint);
  throw e;
}

}  // namespace reel
