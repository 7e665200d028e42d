#include "media/image_encoder.h"

#include <ATen/ATen.h>

#include <algorithm>

#include <new>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/shape_text.h"
#include "media/ffmpeg_diagnostics.h"
#include "media/ffmpeg_handles.h"

namespace reel {

std::string encode_png(const at::Tensor& image) {
  if (!image.defined() || image.dim() != 3 || image.size(2) != 3 || image.size(0) < 1 ||
      image.size(1) < 1 || image.scalar_type() != at::kByte) {
    throw Error("a PNG needs a uint8 RGB image [H, W, 3], got " +
                (image.defined() ? shape_text(image.sizes()) : std::string("nothing")));
  }
  const at::Tensor pixels = image.to(at::kCPU).contiguous();
  const int height = static_cast<int>(pixels.size(0)), width = static_cast<int>(pixels.size(1));

  const AVCodec* png = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (png == nullptr) throw Error("this FFmpeg build has no PNG encoder");
  ffmpeg::CodecContext codec(avcodec_alloc_context3(png));
  if (!codec) throw std::bad_alloc();
  codec->width = width;
  codec->height = height;
  codec->pix_fmt = AV_PIX_FMT_RGB24;
  codec->time_base = AVRational{1, 1};
  int rc = avcodec_open2(codec.get(), png, nullptr);
  if (rc < 0) throw Error("cannot open the PNG encoder: " + ffmpeg_failure(rc));

  ffmpeg::Frame frame(av_frame_alloc());
  if (!frame) throw std::bad_alloc();
  frame->format = AV_PIX_FMT_RGB24;
  frame->width = width;
  frame->height = height;
  if (av_frame_get_buffer(frame.get(), 0) < 0) throw std::bad_alloc();
  const uint8_t* src = pixels.data_ptr<uint8_t>();
  for (int y = 0; y < height; ++y) {
    std::copy(src + static_cast<size_t>(y) * width * 3,
              src + static_cast<size_t>(y + 1) * width * 3,
              frame->data[0] + static_cast<size_t>(y) * frame->linesize[0]);
  }

  ffmpeg::Packet packet(av_packet_alloc());
  if (!packet) throw std::bad_alloc();
  if ((rc = avcodec_send_frame(codec.get(), frame.get())) < 0 ||
      (rc = avcodec_send_frame(codec.get(), nullptr)) < 0 ||
      (rc = avcodec_receive_packet(codec.get(), packet.get())) < 0) {
    throw Error("cannot encode the PNG: " + ffmpeg_failure(rc));
  }
  return std::string(reinterpret_cast<const char*>(packet->data), packet->size);
}

void write_png(const std::filesystem::path& path, const at::Tensor& image) {
  std::string bytes;
  try {
    bytes = encode_png(image);
  } catch (Error& e) {
    throw e.file(path.string());
  }
  write_file_atomic(path, bytes);
}

}  // namespace reel
