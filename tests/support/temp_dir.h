// A fresh directory under the system temp folder, removed with everything in it when the
// test ends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace reel::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  // Writes `content` to `name` (parents created) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);

// The names in `dir`, sorted.
std::vector<std::string> dir_entries(const std::filesystem::path& dir);

}  // namespace reel::test
