// Small checks shared by tests that expect a reel::Error.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"

namespace reel::test {

// The full text of the reel::Error that `f` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains_text(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace reel::test
