// Runs the `reel` command line in-process, capturing what it prints.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/cli.h"

namespace reel::test {

struct Result {
  int code;
  std::string out, err;
};

inline Result reel(std::vector<std::string> args) {
  args.insert(args.begin(), "reel");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int code = run_cli(static_cast<int>(argv.size()), argv.data());
  std::string out = testing::internal::GetCapturedStdout();
  return {code, out, testing::internal::GetCapturedStderr()};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace reel::test
