#include "core/build_info.h"

#include <ATen/cuda/CUDAContext.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <sstream>

#include "reel_git_commit.h"

namespace reel {
namespace {

std::string cuda_version_string(int v) {
  // CUDA encodes versions as 1000 * major + 10 * minor.
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

}  // namespace

BuildInfo build_info() {
  BuildInfo info;
  info.version = REEL_VERSION;
  info.git_commit = REEL_GIT_COMMIT;
  info.torch_version = TORCH_VERSION;
  info.cuda_version = cuda_version_string(CUDA_VERSION);
  // Looked up in the CUDA runtime that libtorch loaded rather than linked: a direct link
  // would make the loader search for libcudart itself, and in a bundle only libtorch knows
  // where PyTorch keeps it.
  using RuntimeGetVersion = int (*)(int*);
  auto get_version =
      reinterpret_cast<RuntimeGetVersion>(dlsym(RTLD_DEFAULT, "cudaRuntimeGetVersion"));
  int runtime = 0;
  if (at::cuda::is_available() && get_version && get_version(&runtime) == 0) {
    info.cuda_runtime = cuda_version_string(runtime);
  }
  return info;
}

std::vector<GpuInfo> visible_gpus() {
  std::vector<GpuInfo> gpus;
  if (!at::cuda::is_available()) return gpus;
  for (int64_t i = 0; i < at::cuda::device_count(); ++i) {
    const auto* p = at::cuda::getDeviceProperties(i);
    gpus.push_back({p->name, static_cast<int64_t>(p->totalGlobalMem), p->major, p->minor});
  }
  return gpus;
}

std::string version_report() {
  BuildInfo b = build_info();
  std::ostringstream s;
  s << "reel " << b.version << " (commit " << b.git_commit << ")\n"
    << "built against libtorch " << b.torch_version << ", CUDA " << b.cuda_version << "\n";
  auto gpus = visible_gpus();
  if (gpus.empty()) {
    s << "GPU: none visible, running on CPU\n";
  } else {
    s << "CUDA runtime " << b.cuda_runtime << "\n";
    for (size_t i = 0; i < gpus.size(); ++i) {
      char mem[32];
      std::snprintf(mem, sizeof mem, "%.1f GiB", gpus[i].memory_bytes / double(1 << 30));
      s << "GPU " << i << ": " << gpus[i].name << ", " << mem << ", compute capability "
        << gpus[i].major << "." << gpus[i].minor << "\n";
    }
  }
  return s.str();
}

}  // namespace reel
