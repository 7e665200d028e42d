#include "models/weight_mismatch.h"

namespace reel {
namespace {

// Enough names to recognise the pattern (a renamed block, a missing branch) without
// burying the message.
constexpr size_t kListed = 5;

std::string list_names(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < kListed; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > kListed) s += ", ... and " + std::to_string(names.size() - kListed) + " more";
  return s;
}

}  // namespace

std::string WeightMismatch::summary() const {
  struct Kind {
    const std::vector<std::string>& names;
    const char* count_label;
    const char* list_label;
  };
  const Kind kinds[] = {{missing, " missing", "missing"},
                        {unexpected, " unexpected", "unexpected"},
                        {wrong_shape, " with the wrong shape", "wrong shape"}};
  std::string counts, lists;
  for (const Kind& k : kinds) {
    if (k.names.empty()) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(k.names.size()) + k.count_label;
    lists += std::string("\n  ") + k.list_label + " (" + std::to_string(k.names.size()) +
             "): " + list_names(k.names);
  }
  return counts + lists;
}

}  // namespace reel
