#include "media/media_input.h"

#include <string>

#include "core/error.h"
#include "media/ffmpeg_diagnostics.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

const char* const kDamagedHint =
    "the file is damaged or cut short (an interrupted download or copy?), or it is not a "
    "video or image: check it with `ffprobe FILE`, then replace it or remove it from the "
    "dataset";

Error open_error(const fs::path& path, int rc) {
  if (rc == AVERROR_INVALIDDATA) {
    return Error("not a media file FFmpeg can read: " + ffmpeg_failure(rc))
        .file(path.string())
        .hint(kDamagedHint);
  }
  return Error("cannot open: " + ffmpeg_failure(rc)).file(path.string());
}

// FFmpeg's still-image demuxers: "image2" and the "<codec>_pipe" family (png_pipe,
// jpeg_pipe, webp_pipe, bmp_pipe, ...). An animated gif goes through "gif".
bool is_image_demuxer(const AVInputFormat& format) {
  const std::string name = format.name;
  const std::string suffix = "_pipe";
  return name == "image2" ||
         (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

}  // namespace

MediaInput open_media_input(const fs::path& path) {
  route_ffmpeg_log();
  clear_ffmpeg_error();

  ffmpeg::Options options;
  // The path is a file name, nothing more: no "%03d" image sequence (image2's patterns) and
  // no other protocol, so a playlist in a dataset cannot make FFmpeg reach the network.
  options.set("pattern_type", "none");
  options.set("protocol_whitelist", "file");
  // "file:" keeps a name with a colon ("take:2.mp4") from reading as a protocol.
  const std::string url = "file:" + path.string();
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, url.c_str(), nullptr, options.get());
  if (rc < 0) throw open_error(path, rc);  // FFmpeg freed the context itself

  MediaInput in;
  in.format.reset(raw);
  clear_ffmpeg_error();
  rc = avformat_find_stream_info(in.format.get(), nullptr);
  if (rc < 0) throw open_error(path, rc);

  const int index = av_find_best_stream(in.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  // An audio file's cover art is a one-picture "video" stream; it is no clip.
  if (index < 0 || (in.format->streams[index]->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) {
    throw Error("no video stream: the file holds only audio, subtitles or data")
        .file(path.string())
        .hint("Reel reads videos and images; remove this file from the dataset");
  }
  in.video = in.format->streams[index];
  for (unsigned i = 0; i < in.format->nb_streams; ++i) {
    if (static_cast<int>(i) != index) in.format->streams[i]->discard = AVDISCARD_ALL;
  }
  in.is_image = is_image_demuxer(*in.format->iformat);
  return in;
}

}  // namespace reel
