// Shows that the Wan VAE's memory does not grow with the clip length: encodes (and decodes) 9,
// 33 and 81 frames at 64x64 with a VAE (by default the tiny Wan 2.1 fixture) and prints the
// growth of the process's peak RSS over the RSS before each call, next to the size of the
// call's input and output. Chunked causal processing keeps the growth flat apart from those.
//
//   wan_vae_memory [vae folder or file] [size]
// Each line is measured in a fresh child process (the peak is also reset through
// /proc/self/clear_refs "5" just before the call).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/log.h"
#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"

namespace {

// A field of /proc/self/status in MiB ("VmRSS", "VmHWM").
double status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) {
      return std::stod(line.substr(field.size() + 1)) / 1024.0;  // kB
    }
  }
  return -1;
}

bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

double mib(const at::Tensor& t) {
  return t.numel() * t.element_size() / (1024.0 * 1024.0);
}

}  // namespace

// One measurement in this (fresh) process: the peak RSS over the RSS just before the call.
int measure(const std::string& path, const std::string& what, int64_t frames, int64_t size) {
  reel::log::init("warn");
  at::set_num_threads(1);
  reel::WanVae vae = reel::load_wan_vae(path);
  const int64_t s = vae.config().spatial_factor();
  vae.decode(vae.encode(at::zeros({1, 3, 5, s, s})).mean);  // load kernels, warm up
  const at::Tensor video = at::rand({1, 3, frames, size, size}) * 2 - 1;
  at::Tensor in = video, out;
  if (what == "decode") in = vae.encode(video).mean;
  const double before = status_mib("VmRSS");
  reset_peak();
  out = what == "encode" ? vae.encode(in).mean : vae.decode(in);
  const double growth = status_mib("VmHWM") - before;
  std::printf("%-7lld %-6s %10.2f %11.2f %14.2f\n", (long long)frames, what.c_str(), mib(in),
              what == "encode" ? 2 * mib(out) : mib(out), growth);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--one") {
    return measure(argv[2], argv[3], std::stoll(argv[4]), std::stoll(argv[5]));
  }
  const std::string path = argc > 1 ? argv[1] : REEL_VAE_FIXTURE;
  const int64_t size = argc > 2 ? std::stoll(argv[2]) : 64;
  std::printf("Wan VAE from %s, %lldx%lld, float32, CPU, 1 thread, one process per line\n",
              path.c_str(), (long long)size, (long long)size);
  std::printf("%-7s %-6s %10s %11s %14s\n", "frames", "what", "input MiB", "output MiB",
              "peak RSS +MiB");
  std::fflush(stdout);
  for (const char* what : {"encode", "decode"}) {
    for (int64_t frames : {9, 33, 81}) {
      // A fixed mmap threshold makes glibc return big buffers to the system when they are
      // freed, so the RSS follows what is alive instead of what the heap kept.
      const std::string cmd = "MALLOC_MMAP_THRESHOLD_=131072 '" + std::string(argv[0]) +
                              "' --one '" + path + "' " + what + " " + std::to_string(frames) +
                              " " + std::to_string(size);
      if (std::system(cmd.c_str()) != 0) return 1;
    }
  }
  return 0;
}
