#include "app/debug_inputs.h"

namespace reel {

DebugInputs::DebugInputs(const std::string& path, std::string prefix, std::string expected)
    : path_(path),
      prefix_(std::move(prefix)),
      expected_(std::move(expected)),
      file_(SafetensorsFile::open(path)) {}

Error DebugInputs::error(const std::string& name, const std::string& message) const {
  Error e(message);
  e.file(path_).key(prefix_ + name).hint("the inputs are " + expected_);
  return e;
}

at::Tensor DebugInputs::get(const std::string& name, bool required) const {
  if (file_.contains(prefix_ + name)) return file_.tensor(prefix_ + name);
  if (!required) return at::Tensor();
  std::string found;
  for (const auto& t : file_.tensors()) found += (found.empty() ? "" : ", ") + t.name;
  throw error(name,
              "missing input tensor (the file has: " + (found.empty() ? "nothing" : found) + ")");
}

}  // namespace reel
