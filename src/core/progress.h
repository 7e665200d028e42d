// Progress of long work (caching, training, sampling): count, rate and ETA. On a terminal it
// redraws one line; otherwise (CI, a log file) it prints a plain line at most every few
// seconds so logs stay readable.
//
//   Progress p("encoding latents", files.size(), "clip");
//   for (...) { ...; p.advance(); }
//   p.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace reel {

class Progress {
 public:
  // total 0 = unknown (no percentage or ETA). `unit` names one item ("clip", "step").
  Progress(std::string label, int64_t total, std::string unit = "it", std::FILE* out = stderr);
  ~Progress();

  void advance(int64_t n = 1);
  void set_postfix(std::string text);  // e.g. "loss 0.123"; shown after the rate
  void finish();

  // "12/40 clips 30% | 2.50 clip/s | ETA 00:11" for the given state; exposed for tests.
  static std::string format_line(const std::string& label, int64_t done, int64_t total,
                                 const std::string& unit, double elapsed_s,
                                 const std::string& postfix);
  static std::string format_duration(double seconds);

 private:
  void draw(bool final);

  std::string label_, unit_, postfix_;
  int64_t total_, done_ = 0;
  std::FILE* out_;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace reel
