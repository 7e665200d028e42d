// Throughput of Reel's video decoding (media/video_decoder.h): decode_frames on one file,
// decoding, converting to RGB and resizing in one pass, as the data loader calls it.
//
//   media_decode_bench FILE WIDTH HEIGHT [FRAMES] [RUNS]
//     WIDTH HEIGHT   output size in display orientation; 0 0 = the file's own size
//     FRAMES         decode at most this many frames (default 0: all)
//     RUNS           timed runs after one untimed warm-up (default 5)
//
// Prints one line: frames, output size, the median wall time and frames per second.
// bench/run_media_decode runs it beside the ffmpeg CLI doing the same work.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "media/video_decoder.h"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: %s FILE WIDTH HEIGHT [FRAMES] [RUNS]\n", argv[0]);
    return 2;
  }
  try {
    reel::DecodeRequest request;
    request.width = std::stoi(argv[2]);
    request.height = std::stoi(argv[3]);
    request.max_frames = argc > 4 ? std::stoll(argv[4]) : 0;
    const int runs = argc > 5 ? std::stoi(argv[5]) : 5;

    at::Tensor frames = reel::decode_frames(argv[1], request);  // warm-up: caches, threads
    std::vector<double> seconds;
    for (int i = 0; i < runs; ++i) {
      frames.reset();  // as in training: one clip's frames alive at a time
      const auto start = std::chrono::steady_clock::now();
      frames = reel::decode_frames(argv[1], request);
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf("%lld frames %lldx%lld: median %.3f s of %d runs (min %.3f s), %.1f frames/s\n",
                static_cast<long long>(frames.size(0)), static_cast<long long>(frames.size(2)),
                static_cast<long long>(frames.size(1)), median, runs, seconds.front(),
                static_cast<double>(frames.size(0)) / median);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
