// Owning handles for FFmpeg's C objects, so that every early return and every exception
// frees what was allocated. Internal to src/media: only its .cpp files include FFmpeg.
//
//   ffmpeg::CodecContext codec(avcodec_alloc_context3(decoder));
//   ffmpeg::Frame frame(av_frame_alloc());
//   // freed with avcodec_free_context / av_frame_free when they go out of scope
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>

namespace reel::ffmpeg {

namespace detail {
struct CloseInput {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
// An output context owns its AVIOContext only in our code: close it here, then the context.
struct FreeOutput {
  void operator()(AVFormatContext* c) const {
    if (c->pb != nullptr && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct FreeCodec {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FreeFrame {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct FreePacket {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FreeSws {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
}  // namespace detail

using InputContext = std::unique_ptr<AVFormatContext, detail::CloseInput>;
using OutputContext = std::unique_ptr<AVFormatContext, detail::FreeOutput>;
using CodecContext = std::unique_ptr<AVCodecContext, detail::FreeCodec>;
using Frame = std::unique_ptr<AVFrame, detail::FreeFrame>;
using Packet = std::unique_ptr<AVPacket, detail::FreePacket>;
using ScaleContext = std::unique_ptr<SwsContext, detail::FreeSws>;

// An options dictionary for the FFmpeg calls that take an AVDictionary** and hand back the
// entries they did not use.
class Options {
 public:
  Options() = default;
  Options(const Options&) = delete;
  Options& operator=(const Options&) = delete;
  ~Options() { av_dict_free(&dict_); }

  void set(const char* key, const char* value) { av_dict_set(&dict_, key, value, 0); }
  AVDictionary** get() { return &dict_; }

 private:
  AVDictionary* dict_ = nullptr;
};

}  // namespace reel::ffmpeg
