// Splitting a string of command-line arguments the way a POSIX shell would (without
// expansions), for TRAINER_EXTRA_ARGS as SimpleTuner's config.env passes it.
#pragma once

#include <string>
#include <vector>

namespace reel {

// Words separated by blanks; '...' is literal, "..." honours \" \\ \$ \`, a backslash outside
// quotes escapes the next character. Throws reel::Error on an unterminated quote.
std::vector<std::string> split_shell_words(const std::string& text);

}  // namespace reel
