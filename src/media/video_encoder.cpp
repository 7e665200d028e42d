#include "media/video_encoder.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <new>
#include <random>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/shape_text.h"
#include "media/ffmpeg_diagnostics.h"
#include "media/ffmpeg_handles.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

Error write_error(const fs::path& path, const std::string& what, int averror) {
  return Error(what + ": " + ffmpeg_failure(averror)).file(path.string());
}

[[noreturn]] void fail_errno(const fs::path& path, const std::string& what, int err) {
  throw Error(what + ": " + std::strerror(err)).file(path.string());
}

// The mp4 lives under "<target>.tmp-XXXXXX" beside the target until commit(), which flushes
// it to disk and renames it over the target; without commit() it is deleted. FFmpeg must
// write it by name (its faststart pass reopens the file to move the index to the front), so
// core's AtomicFile, which writes through a descriptor of its own, cannot hold it.
class TempFile {
 public:
  explicit TempFile(fs::path target) : target_(std::move(target)) {
    std::mt19937_64 rng(std::random_device{}());
    static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0;; ++attempt) {
      std::string suffix(6, 'x');
      for (char& c : suffix) c = kChars[rng() % (sizeof(kChars) - 1)];
      temp_ = target_;
      temp_ += ".tmp-" + suffix;
      int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      const int err = errno;
      if (err != EEXIST || attempt == 99) {
        fail_errno(target_, "cannot create the temporary file " + temp_.filename().string(), err);
      }
    }
  }
  ~TempFile() {
    if (!committed_) ::unlink(temp_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const fs::path& path() const { return temp_; }

  void commit() {
    sync(temp_, O_RDONLY);
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
      const int err = errno;
      fail_errno(target_, "cannot rename " + temp_.filename().string() + " over it", err);
    }
    committed_ = true;
    const fs::path dir = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
    sync(dir, O_RDONLY | O_DIRECTORY);
  }

 private:
  void sync(const fs::path& p, int flags) const {
    int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      fail_errno(target_, "cannot open " + p.string() + " to flush it to disk", err);
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    // Some file systems cannot flush a folder; their renames are as durable as they get.
    if (rc != 0 && !((flags & O_DIRECTORY) && (err == EINVAL || err == ENOTSUP))) {
      fail_errno(target_, "cannot flush " + p.string() + " to disk", err);
    }
  }

  fs::path target_, temp_;
  bool committed_ = false;
};

void check_input(const fs::path& path, const at::Tensor& frames, const EncodeOptions& options) {
  auto fail = [&](const std::string& message) { return Error(message).file(path.string()); };
  if (!frames.defined()) throw fail("no frames to encode (undefined tensor)");
  if (frames.dim() != 4 || frames.size(3) != 3 || frames.size(0) < 1 || frames.size(1) < 1 ||
      frames.size(2) < 1) {
    throw fail("frames of shape " + shape_text(frames.sizes()) +
               " are not RGB video [F, H, W, 3] with at least one frame");
  }
  if (frames.scalar_type() != at::kByte) {
    throw fail(std::string("frames are ") + c10::toString(frames.scalar_type()) + ", not uint8 RGB")
        .hint("convert float pixels in [0, 1] with (x * 255).round().clamp(0, 255).to(uint8)");
  }
  if (!std::isfinite(options.fps) || options.fps <= 0 || options.fps > 1000) {
    std::ostringstream fps;
    fps << options.fps;
    throw fail("frame rate " + fps.str() + " is not in (0, 1000]");
  }
  if (options.crf < 0 || options.crf > 51) {
    throw fail("crf " + std::to_string(options.crf) + " is not in 0..51 (18: visually lossless)");
  }
}

const AVCodec* h264_encoder(const fs::path& path) {
  if (const AVCodec* x264 = avcodec_find_encoder_by_name("libx264")) return x264;
  if (const AVCodec* any = avcodec_find_encoder(AV_CODEC_ID_H264)) return any;
  throw Error("this FFmpeg build has no H.264 encoder")
      .file(path.string())
      .hint("install an FFmpeg built with libx264 (Debian's libavcodec is)");
}

// One frame, uint8 [H, W, 3] on the CPU, with its last row and column repeated to the even
// size yuv420p needs.
at::Tensor padded_frame(const at::Tensor& frame) {
  at::Tensor f = frame.to(at::kCPU);
  if (f.size(0) % 2 != 0) f = at::cat({f, f.narrow(0, f.size(0) - 1, 1)}, 0);
  if (f.size(1) % 2 != 0) f = at::cat({f, f.narrow(1, f.size(1) - 1, 1)}, 1);
  return f.contiguous();
}

class Mp4Writer {
 public:
  Mp4Writer(const fs::path& target, const fs::path& temp, int width, int height,
            const EncodeOptions& options)
      : target_(target) {
    const std::string url = "file:" + temp.string();
    AVFormatContext* raw = nullptr;
    int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", url.c_str());
    if (rc < 0) throw write_error(target, "cannot set up the mp4 writer", rc);
    out_.reset(raw);

    const AVCodec* encoder = h264_encoder(target);
    codec_.reset(avcodec_alloc_context3(encoder));
    if (!codec_) throw std::bad_alloc();
    const AVRational rate = av_d2q(options.fps, 100000);  // 29.97 -> 2997/100
    codec_->width = width;
    codec_->height = height;
    codec_->pix_fmt = AV_PIX_FMT_YUV420P;
    codec_->framerate = rate;
    codec_->time_base = av_inv_q(rate);
    // Tagged, so that players and our own decoder use the matrix the pixels were made with
    // (untagged HD video is read as BT.709 by some players and BT.601 by others).
    codec_->colorspace = AVCOL_SPC_BT709;
    codec_->color_primaries = AVCOL_PRI_BT709;
    codec_->color_trc = AVCOL_TRC_BT709;
    codec_->color_range = AVCOL_RANGE_MPEG;
    codec_->thread_count = 0;
    if (out_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ffmpeg::Options codec_options;
    codec_options.set("crf", std::to_string(options.crf).c_str());  // libx264's; others ignore it
    clear_ffmpeg_error();
    rc = avcodec_open2(codec_.get(), encoder, codec_options.get());
    if (rc < 0) {
      throw write_error(target, std::string("cannot open the H.264 encoder ") + encoder->name, rc);
    }

    stream_ = avformat_new_stream(out_.get(), nullptr);
    if (stream_ == nullptr) throw std::bad_alloc();
    rc = avcodec_parameters_from_context(stream_->codecpar, codec_.get());
    if (rc < 0) throw write_error(target, "cannot set up the video stream", rc);
    stream_->time_base = codec_->time_base;
    stream_->avg_frame_rate = rate;

    clear_ffmpeg_error();
    rc = avio_open2(&out_->pb, url.c_str(), AVIO_FLAG_WRITE, nullptr, nullptr);
    if (rc < 0) throw write_error(target, "cannot write the temporary file", rc);
    ffmpeg::Options format_options;
    // The index (moov) first, so that browsers start playing before the whole file arrived.
    format_options.set("movflags", "+faststart");
    rc = avformat_write_header(out_.get(), format_options.get());
    if (rc < 0) throw write_error(target, "cannot write the mp4 header", rc);

    picture_.reset(av_frame_alloc());
    if (!picture_) throw std::bad_alloc();
    picture_->format = AV_PIX_FMT_YUV420P;
    picture_->width = width;
    picture_->height = height;
    picture_->colorspace = codec_->colorspace;
    picture_->color_range = codec_->color_range;
    if (av_frame_get_buffer(picture_.get(), 0) < 0) throw std::bad_alloc();

    // RGB to BT.709 limited-range yuv420p: bicubic chroma reduction from full-resolution
    // chroma, exact rounding.
    to_yuv_.reset(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                                 SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr,
                                 nullptr, nullptr));
    if (!to_yuv_) throw std::bad_alloc();
    const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
    sws_setColorspaceDetails(to_yuv_.get(), bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
    packet_.reset(av_packet_alloc());
    if (!packet_) throw std::bad_alloc();
  }

  // rgb: uint8 [height, width, 3], contiguous, on the CPU.
  void add(const at::Tensor& rgb) {
    int rc = av_frame_make_writable(picture_.get());
    if (rc < 0) throw write_error(target_, "cannot encode a frame", rc);
    const uint8_t* planes[4] = {rgb.data_ptr<uint8_t>(), nullptr, nullptr, nullptr};
    const int strides[4] = {static_cast<int>(rgb.size(1) * 3), 0, 0, 0};
    sws_scale(to_yuv_.get(), planes, strides, 0, static_cast<int>(rgb.size(0)), picture_->data,
              picture_->linesize);
    picture_->pts = next_pts_++;
    encode(picture_.get());
  }

  void finish() {
    encode(nullptr);
    int rc = av_write_trailer(out_.get());
    if (rc < 0) throw write_error(target_, "cannot finish the mp4", rc);
    // Closed here, not by the handle, to see a failed final write (a full disk).
    rc = avio_closep(&out_->pb);
    if (rc < 0) throw write_error(target_, "cannot finish the mp4", rc);
  }

 private:
  void encode(const AVFrame* frame) {
    clear_ffmpeg_error();
    int rc = avcodec_send_frame(codec_.get(), frame);
    if (rc < 0) throw write_error(target_, "cannot encode a frame", rc);
    while ((rc = avcodec_receive_packet(codec_.get(), packet_.get())) >= 0) {
      av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      rc = av_interleaved_write_frame(out_.get(), packet_.get());  // takes the packet's data
      if (rc < 0) throw write_error(target_, "cannot write the temporary file", rc);
    }
    if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) {
      throw write_error(target_, "cannot encode a frame", rc);
    }
  }

  fs::path target_;
  ffmpeg::OutputContext out_;
  ffmpeg::CodecContext codec_;
  AVStream* stream_ = nullptr;  // owned by out_
  ffmpeg::Frame picture_;
  ffmpeg::Packet packet_;
  ffmpeg::ScaleContext to_yuv_;
  int64_t next_pts_ = 0;
};

}  // namespace

void encode_mp4(const fs::path& path, const at::Tensor& frames, const EncodeOptions& options) {
  check_input(path, frames, options);
  route_ffmpeg_log();
  const int height = static_cast<int>(frames.size(1) + frames.size(1) % 2);
  const int width = static_cast<int>(frames.size(2) + frames.size(2) % 2);

  TempFile temp(path);
  {
    Mp4Writer writer(path, temp.path(), width, height, options);
    for (int64_t i = 0; i < frames.size(0); ++i) writer.add(padded_frame(frames[i]));
    writer.finish();
  }
  temp.commit();
}

}  // namespace reel
