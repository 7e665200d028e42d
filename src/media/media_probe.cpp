#include "media/media_info.h"

#include <new>
#include <string>

#include "core/error.h"
#include "media/display_rotation.h"
#include "media/media_input.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

double seconds(int64_t ticks, AVRational time_base) {
  return static_cast<double>(ticks) * av_q2d(time_base);
}

// The video stream's packets, read without decoding (the stream's header has no count:
// webm, mkv, some mp4 writers). Other streams are discarded by open_media_input.
int64_t count_packets(AVFormatContext& format, int stream_index) {
  ffmpeg::Packet packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  int64_t n = 0;
  while (av_read_frame(&format, packet.get()) >= 0) {
    if (packet->stream_index == stream_index) ++n;
    av_packet_unref(packet.get());
  }
  return n;
}

}  // namespace

MediaInfo probe_media(const fs::path& path) {
  MediaInput in = open_media_input(path);
  const AVStream& video = *in.video;
  const AVCodecParameters& par = *video.codecpar;

  MediaInfo info;
  info.kind = in.is_image ? MediaKind::kImage : MediaKind::kVideo;
  info.codec = avcodec_get_name(par.codec_id);
  info.rotation = display_rotation(video);
  const bool turned = info.rotation == 90 || info.rotation == 270;
  info.width = turned ? par.height : par.width;
  info.height = turned ? par.width : par.height;
  if (info.width <= 0 || info.height <= 0) {
    throw Error("the video stream has no picture size")
        .file(path.string())
        .hint("the file is damaged: check it with `ffprobe FILE`");
  }
  for (unsigned i = 0; i < in.format->nb_streams; ++i) {
    if (in.format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
  }
  if (in.is_image) {
    info.frame_count = 1;
    return info;
  }

  AVRational rate = video.avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = video.r_frame_rate;
  if (rate.num > 0 && rate.den > 0) info.fps = av_q2d(rate);

  if (video.duration != AV_NOPTS_VALUE && video.duration > 0) {
    info.duration_s = seconds(video.duration, video.time_base);
  } else if (in.format->duration != AV_NOPTS_VALUE && in.format->duration > 0) {
    info.duration_s = seconds(in.format->duration, AV_TIME_BASE_Q);
  }

  info.frame_count = video.nb_frames > 0 ? video.nb_frames : count_packets(*in.format, video.index);
  return info;
}

}  // namespace reel
