// What FFmpeg says, in Reel's words. FFmpeg prints its own complaints straight to stderr
// ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d4] moov atom not found"), which would drown the one
// message Reel gives for a bad file among thousands of dataset files; so its log goes to
// reel::log at debug level instead, and its last error line on this thread is kept for the
// reel::Error that follows.
//
//   route_ffmpeg_log();
//   clear_ffmpeg_error();
//   int rc = avformat_open_input(...);
//   if (rc < 0) throw Error(ffmpeg_failure(rc)).file(path);  // "moov atom not found (Invalid
//                                                            //  data found when processing input)"
#pragma once

#include <string>

namespace reel {

// Installs the log callback (once per process; later calls do nothing).
void route_ffmpeg_log();

// av_strerror's text for an AVERROR code: "Invalid data found when processing input".
std::string av_error_text(int averror);

// Forgets the last error line FFmpeg logged on this thread.
void clear_ffmpeg_error();

// The last error line FFmpeg logged on this thread since clear_ffmpeg_error(), followed by
// the code's text in parentheses; only the code's text when FFmpeg logged nothing.
std::string ffmpeg_failure(int averror);

}  // namespace reel
