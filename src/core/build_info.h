// What `reel --version` reports: Reel's version and commit, the libtorch and CUDA versions it
// was built against, and the GPUs visible now.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reel {

struct GpuInfo {
  std::string name;
  int64_t memory_bytes = 0;
  int major = 0, minor = 0;  // compute capability
};

struct BuildInfo {
  std::string version;        // "0.1.0"
  std::string git_commit;     // short hash, "-dirty" when built from uncommitted changes
  std::string torch_version;  // libtorch the binary was compiled against
  std::string cuda_version;   // CUDA toolkit the binary was compiled against
  std::string cuda_runtime;   // CUDA runtime found at run time, "" without a driver
};

BuildInfo build_info();
std::vector<GpuInfo> visible_gpus();

// The whole `reel --version` text.
std::string version_report();

}  // namespace reel
