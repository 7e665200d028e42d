#include "config/did_you_mean.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace reel {
namespace {

std::string normalise(const std::string& s) {
  std::string out = s.substr(std::min(s.find_first_not_of('-'), s.size()));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return c == '-' ? '_' : std::tolower(c); });
  return out;
}

}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string w = normalise(word);
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = edit_distance(w, normalise(c));
    if (d < best_distance) best_distance = d, best = c;
  }
  // A third of the word's length (at least 2 edits) still reads as a typo; more is a guess.
  size_t allowed = std::max<size_t>(2, w.size() / 3);
  return best_distance <= allowed ? best : std::string();
}

}  // namespace reel
