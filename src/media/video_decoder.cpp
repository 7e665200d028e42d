#include "media/video_decoder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <new>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/log.h"
#include "media/display_rotation.h"
#include "media/ffmpeg_diagnostics.h"
#include "media/media_input.h"
#include "media/rgb_converter.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

// Beyond this many undecodable packets in a row the file is given up on.
constexpr int kMaxErrorsInARow = 100;
// The header's frame count sizes the first allocation, up to this; more frames grow it.
constexpr int64_t kMaxFirstAllocation = int64_t{1} << 30;

void check_request(const fs::path& path, const DecodeRequest& r) {
  if (r.max_frames < 0) {
    throw Error("max_frames " + std::to_string(r.max_frames) + " is negative (0 means all)")
        .file(path.string());
  }
  if (r.width < 0 || r.height < 0 || (r.width == 0) != (r.height == 0)) {
    throw Error("output size " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                " is not a size: give both width and height (> 0), or neither for the "
                "source's size")
        .file(path.string());
  }
}

ffmpeg::CodecContext open_decoder(const AVStream& stream, const fs::path& path) {
  const AVCodecParameters& par = *stream.codecpar;
  const std::string name = avcodec_get_name(par.codec_id);
  const AVCodec* decoder = avcodec_find_decoder(par.codec_id);
  if (decoder == nullptr) {
    throw Error("no decoder for codec '" + name + "' in this FFmpeg build")
        .file(path.string())
        .hint("convert it, e.g. `ffmpeg -i FILE -c:v libx264 -crf 18 OUT.mp4`");
  }
  ffmpeg::CodecContext codec(avcodec_alloc_context3(decoder));
  if (!codec) throw std::bad_alloc();
  int rc = avcodec_parameters_to_context(codec.get(), &par);
  if (rc < 0) {
    throw Error("cannot set up the " + name + " decoder: " + av_error_text(rc)).file(path.string());
  }
  codec->pkt_timebase = stream.time_base;
  // Every core. FFmpeg's frame and slice threading give the same pictures as one thread.
  codec->thread_count = 0;
  clear_ffmpeg_error();
  rc = avcodec_open2(codec.get(), decoder, nullptr);
  if (rc < 0) {
    throw Error("cannot open the " + name + " decoder: " + ffmpeg_failure(rc)).file(path.string());
  }
  return codec;
}

// Collects RGB frames into one uint8 [F, H, W, 3] tensor (before rotation), growing it when a
// file holds more frames than its header said.
class FrameSink {
 public:
  FrameSink(const DecodeRequest& r, int rotation, int64_t header_frames)
      : limit_(r.max_frames), header_frames_(header_frames) {
    if (r.width > 0) {
      // The request is in display orientation; the scaler works before the rotation.
      const bool turned = rotation == 90 || rotation == 270;
      width_ = turned ? r.height : r.width;
      height_ = turned ? r.width : r.height;
    }
  }

  bool full() const { return limit_ > 0 && count_ >= limit_; }
  int64_t count() const { return count_; }

  void add(const AVFrame& frame) {
    if (!rgb_) {
      // Without a requested size, the first picture's size is the clip's: later pictures of
      // another size are scaled to it.
      if (width_ == 0) width_ = frame.width, height_ = frame.height;
      rgb_.emplace(width_, height_);
    }
    if (count_ == capacity()) grow();
    rgb_->convert(frame, frames_.data_ptr<uint8_t>() + count_ * frame_bytes());
    ++count_;
  }

  at::Tensor take(int rotation) {
    at::Tensor decoded = frames_.narrow(0, 0, count_);
    if (rotation != 0) return rotate_for_display(decoded, rotation);
    // A shorter file than expected: give the unused frames back.
    return count_ < capacity() ? decoded.clone() : decoded;
  }

 private:
  int64_t capacity() const { return frames_.defined() ? frames_.size(0) : 0; }
  int64_t frame_bytes() const { return int64_t{width_} * height_ * 3; }

  void grow() {
    int64_t n;
    if (!frames_.defined()) {
      n = header_frames_ > 0 ? header_frames_ : 16;
      if (limit_ > 0) n = std::min(n, limit_);
      n = std::clamp<int64_t>(n, 1, std::max<int64_t>(1, kMaxFirstAllocation / frame_bytes()));
    } else {
      n = capacity() * 2;
      if (limit_ > 0) n = std::min(n, limit_);
    }
    at::Tensor bigger = at::empty({n, height_, width_, 3}, at::kByte);
    if (count_ > 0) bigger.narrow(0, 0, count_).copy_(frames_.narrow(0, 0, count_));
    frames_ = std::move(bigger);
  }

  int64_t limit_, header_frames_;
  int width_ = 0, height_ = 0;
  std::optional<RgbConverter> rgb_;
  at::Tensor frames_;
  int64_t count_ = 0;
};

}  // namespace

at::Tensor decode_frames(const fs::path& path, const DecodeRequest& request) {
  check_request(path, request);
  MediaInput in = open_media_input(path);
  ffmpeg::CodecContext codec = open_decoder(*in.video, path);
  const int rotation = display_rotation(*in.video);
  FrameSink sink(request, rotation, in.video->nb_frames);

  ffmpeg::Packet packet(av_packet_alloc());
  ffmpeg::Frame frame(av_frame_alloc());
  if (!packet || !frame) throw std::bad_alloc();

  int last_error = 0, errors_in_a_row = 0;
  bool draining = false;
  try {
    while (!sink.full()) {
      // Take every picture the decoder has ready, then feed it the next packet.
      int rc = avcodec_receive_frame(codec.get(), frame.get());
      if (rc >= 0) {
        sink.add(*frame);
        av_frame_unref(frame.get());
        errors_in_a_row = 0;
        continue;
      }
      if (rc == AVERROR_EOF) break;
      if (rc != AVERROR(EAGAIN)) {
        // A damaged picture: skipped, as the CLI does.
        last_error = rc;
        log::debug(path.string(), ": a frame failed to decode: ", av_error_text(rc));
        if (++errors_in_a_row > kMaxErrorsInARow) break;
        if (draining) continue;
      } else if (draining) {
        break;  // a decoder that neither gives frames nor ends: nothing more will come
      }

      rc = av_read_frame(in.format.get(), packet.get());
      if (rc < 0) {
        // The end, or a read error in a cut-off file: like the CLI, keep what decoded.
        if (rc != AVERROR_EOF) {
          log::debug(path.string(), ": reading stopped early: ", av_error_text(rc));
        }
        draining = true;
        avcodec_send_packet(codec.get(), nullptr);
        continue;
      }
      if (packet->stream_index == in.video->index) {
        rc = avcodec_send_packet(codec.get(), packet.get());
        if (rc < 0) {
          last_error = rc;
          log::debug(path.string(), ": a packet failed to decode: ", av_error_text(rc));
          if (++errors_in_a_row > kMaxErrorsInARow) break;
        }
      }
      av_packet_unref(packet.get());
    }
  } catch (Error& e) {
    if (e.file().empty()) e.file(path.string());
    throw;
  }

  if (sink.count() == 0) {
    Error e("no frame could be decoded" +
            (last_error != 0 ? ": " + av_error_text(last_error) : std::string()));
    throw e.file(path.string())
        .hint(
            "the file is damaged or cut short: check it with `ffprobe FILE`, then replace it "
            "or remove it from the dataset");
  }
  return sink.take(rotation);
}

at::Tensor decode_first_frame(const std::filesystem::path& path, int width, int height) {
  DecodeRequest first;
  first.max_frames = 1;
  first.width = width;
  first.height = height;
  return decode_frames(path, first)[0];
}

}  // namespace reel
