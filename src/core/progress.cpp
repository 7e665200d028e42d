#include "core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace reel {
namespace {

using Clock = std::chrono::steady_clock;

// Plain-line mode: one line every this many seconds keeps a CI log short.
constexpr double kPlainIntervalS = 5.0;
constexpr double kTtyIntervalS = 0.1;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, std::string unit, std::FILE* out)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  finish();
}

void Progress::advance(int64_t n) {
  done_ += n;
  double since = std::chrono::duration<double>(Clock::now() - last_draw_).count();
  if (since >= (tty_ ? kTtyIntervalS : kPlainIntervalS)) draw(false);
}

void Progress::set_postfix(std::string text) {
  postfix_ = std::move(text);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  last_draw_ = Clock::now();
  double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  std::string line = format_line(label_, done_, total_, unit_, elapsed, postfix_);
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string Progress::format_line(const std::string& label, int64_t done, int64_t total,
                                  const std::string& unit, double elapsed_s,
                                  const std::string& postfix) {
  std::string line = label + ": " + std::to_string(done);
  if (total > 0) line += "/" + std::to_string(total);
  line += " " + unit + (done == 1 && total <= 1 ? "" : "s");
  if (total > 0) line += " " + std::to_string(done * 100 / total) + "%";
  double rate = elapsed_s > 0 ? done / elapsed_s : 0.0;
  // Slow work (a training step of several seconds) reads better as seconds per item.
  if (rate >= 1.0 || done == 0) {
    line += " | " + fixed(rate, 2) + " " + unit + "/s";
  } else {
    line += " | " + fixed(elapsed_s / done, 2) + " s/" + unit;
  }
  line += " | elapsed " + format_duration(elapsed_s);
  if (total > 0 && done > 0 && done < total) {
    line += " | ETA " + format_duration(elapsed_s / done * (total - done));
  }
  if (!postfix.empty()) line += " | " + postfix;
  return line;
}

}  // namespace reel
