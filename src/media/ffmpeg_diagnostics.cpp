#include "media/ffmpeg_diagnostics.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "core/log.h"

namespace reel {
namespace {

// FFmpeg logs a line in pieces (and from its decoder threads), so each thread assembles
// its own line until the newline.
struct LineState {
  std::string line;     // with FFmpeg's "[component @ 0x...] " prefix, for the log
  std::string message;  // without it, for error messages
  int level = AV_LOG_QUIET;
  int print_prefix = 1;
  std::string last_error;
};

LineState& state() {
  thread_local LineState s;
  return s;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

void on_ffmpeg_log(void* avcl, int level, const char* fmt, va_list args) {
  // Debug and trace output of the codecs is far too chatty even for --log_level trace.
  if (level > AV_LOG_VERBOSE) return;
  LineState& s = state();
  char piece[1024];
  va_list copy;
  va_copy(copy, args);
  std::vsnprintf(piece, sizeof(piece), fmt, copy);
  va_end(copy);
  char line[1200];
  av_log_format_line2(avcl, level, fmt, args, line, sizeof(line), &s.print_prefix);
  s.line += line;
  s.message += piece;
  if (s.level == AV_LOG_QUIET || level < s.level) s.level = level;
  if (s.line.empty() || s.line.back() != '\n') return;

  const std::string text = trimmed(std::move(s.line));
  if (s.level <= AV_LOG_WARNING) {
    log::debug("ffmpeg: ", text);
  } else {
    log::trace("ffmpeg: ", text);
  }
  if (s.level <= AV_LOG_ERROR) s.last_error = trimmed(std::move(s.message));
  s.line.clear();
  s.message.clear();
  s.level = AV_LOG_QUIET;
}

}  // namespace

void route_ffmpeg_log() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(on_ffmpeg_log); });
}

std::string av_error_text(int averror) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(averror, text, sizeof(text)) < 0) {
    return "FFmpeg error " + std::to_string(averror);
  }
  return text;
}

void clear_ffmpeg_error() {
  state().last_error.clear();
}

std::string ffmpeg_failure(int averror) {
  const std::string code = av_error_text(averror);
  const std::string& logged = state().last_error;
  if (logged.empty() || logged == code) return code;
  return logged + " (" + code + ")";
}

}  // namespace reel
