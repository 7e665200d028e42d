#include "core/error.h"

namespace reel {

Error::Error(std::string message) : message_(std::move(message)) {
  format();
}

Error& Error::file(std::string path) {
  file_ = std::move(path);
  format();
  return *this;
}

Error& Error::key(std::string key) {
  key_ = std::move(key);
  format();
  return *this;
}

Error& Error::line(int line) {
  line_ = line;
  format();
  return *this;
}

Error& Error::hint(std::string hint) {
  hint_ = std::move(hint);
  format();
  return *this;
}

void Error::format() {
  std::string where = file_;
  if (line_ > 0) where += ":" + std::to_string(line_);
  if (!key_.empty()) where += (where.empty() ? "" : ": ") + std::string("key '") + key_ + "'";
  formatted_ = where.empty() ? message_ : where + ": " + message_;
  if (!hint_.empty()) formatted_ += "\n  hint: " + hint_;
}

}  // namespace reel
