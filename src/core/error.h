// reel::Error is the one exception type Reel throws for anything a user can fix: a bad file,
// a bad option, a missing model. It says what failed, where (file, key, line) and how to fix
// it. `reel` catches it at the top and prints it without a stack trace.
//
//   throw Error("header length 9000 runs past the end of the file")
//       .file(path).hint("the file is truncated; download it again");
#pragma once

#include <stdexcept>
#include <string>

namespace reel {

class Error : public std::exception {
 public:
  explicit Error(std::string message);

  Error& file(std::string path);
  Error& key(std::string key);
  Error& line(int line);
  Error& hint(std::string hint);

  const std::string& message() const { return message_; }
  const std::string& file() const { return file_; }
  const std::string& key() const { return key_; }
  int line() const { return line_; }
  const std::string& hint() const { return hint_; }

  // "<file>:<line>: key '<key>': <message>\n  hint: <hint>", leaving out what is unset.
  const char* what() const noexcept override { return formatted_.c_str(); }

 private:
  void format();

  std::string message_, file_, key_, hint_;
  int line_ = 0;
  std::string formatted_;
};

}  // namespace reel
