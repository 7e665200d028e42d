// "Did you mean" suggestions for misspelt option and dataset keys.
#pragma once

#include <string>
#include <vector>

namespace reel {

// The candidate closest to `word` by edit distance (case-insensitive, leading dashes ignored),
// or "" when none is close enough to be a plausible typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// Levenshtein distance, exposed for tests.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace reel
