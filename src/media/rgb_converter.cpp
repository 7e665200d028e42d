#include "media/rgb_converter.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "core/error.h"

namespace reel {
namespace {

// The ffmpeg CLI's scaler flags: its default `sws_flags` is "bicubic", and with nothing else
// set libswscale converts same-size yuv420p to RGB with its fast table path (nearest chroma).
// Any other flag (SWS_ACCURATE_RND, SWS_FULL_CHR_H_INT) changes pixels by up to ~50 on sharp
// colour edges, so the source-size conversion uses exactly this.
constexpr int kCliFlags = SWS_BICUBIC;

// Resizing: bicubic, whose kernel libswscale widens by the reduction factor when shrinking (an
// antialiased downscale like PIL's), stays a true bicubic when enlarging (SWS_AREA falls back
// to bilinear there), with exact rounding and chroma interpolated at full resolution on both
// sides instead of repeated over pixel pairs.
constexpr int kResizeFlags =
    SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP;

// The colour matrix the CLI's scale filter picks for a frame (vf_scale's "auto"
// in_color_matrix): the frame's own, with anything unknown or unsupported read as BT.601.
int cli_colorspace(AVColorSpace space) {
  const int s = static_cast<int>(space);
  if (s < 1 || s > 10 || s == AVCOL_SPC_YCGCO) return AVCOL_SPC_BT470BG;
  return s;
}

}  // namespace

RgbConverter::RgbConverter(int width, int height) : width_(width), height_(height) {}

void RgbConverter::configure(const AVFrame& frame) {
  if (scaler_ && frame.width == src_width_ && frame.height == src_height_ &&
      frame.format == src_format_ && frame.colorspace == colorspace_ &&
      frame.color_range == range_) {
    return;
  }
  const auto format = static_cast<AVPixelFormat>(frame.format);
  const bool same_size = frame.width == width_ && frame.height == height_;
  scaler_.reset(sws_getContext(frame.width, frame.height, format, width_, height_, AV_PIX_FMT_RGB24,
                               same_size ? kCliFlags : kResizeFlags, nullptr, nullptr, nullptr));
  if (!scaler_) {
    const char* name = av_get_pix_fmt_name(format);
    throw Error("cannot convert pictures of pixel format " +
                std::string(name != nullptr ? name : "unknown") + " (" +
                std::to_string(frame.width) + "x" + std::to_string(frame.height) + ") to RGB");
  }
  // As the CLI's scale filter does: the frame's matrix, and its range when it states one
  // (untagged yuv420p stays BT.601 limited range, yuvj formats full range).
  int* inv_table = nullptr;
  int* table = nullptr;
  int src_full = 0, dst_full = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(scaler_.get(), &inv_table, &src_full, &table, &dst_full, &brightness,
                           &contrast, &saturation);
  const int* coefficients = sws_getCoefficients(cli_colorspace(frame.colorspace));
  if (frame.color_range != AVCOL_RANGE_UNSPECIFIED) {
    src_full = frame.color_range == AVCOL_RANGE_JPEG ? 1 : 0;
  }
  sws_setColorspaceDetails(scaler_.get(), coefficients, src_full, coefficients, dst_full,
                           brightness, contrast, saturation);

  src_width_ = frame.width;
  src_height_ = frame.height;
  src_format_ = frame.format;
  colorspace_ = frame.colorspace;
  range_ = frame.color_range;
}

void RgbConverter::convert(const AVFrame& frame, uint8_t* out) {
  configure(frame);
  const int row_bytes = width_ * 3;
  const bool aligned = row_bytes % 64 == 0 && reinterpret_cast<uintptr_t>(out) % 64 == 0;
  if (aligned) {
    uint8_t* planes[4] = {out, nullptr, nullptr, nullptr};
    int strides[4] = {row_bytes, 0, 0, 0};
    sws_scale(scaler_.get(), frame.data, frame.linesize, 0, frame.height, planes, strides);
    return;
  }
  if (!aligned_) {
    aligned_.reset(av_frame_alloc());
    if (!aligned_) throw std::bad_alloc();
    aligned_->format = AV_PIX_FMT_RGB24;
    aligned_->width = width_;
    aligned_->height = height_;
    if (av_frame_get_buffer(aligned_.get(), 64) < 0) throw std::bad_alloc();
  }
  sws_scale(scaler_.get(), frame.data, frame.linesize, 0, frame.height, aligned_->data,
            aligned_->linesize);
  for (int y = 0; y < height_; ++y) {
    std::memcpy(out + static_cast<size_t>(y) * row_bytes,
                aligned_->data[0] + static_cast<ptrdiff_t>(y) * aligned_->linesize[0], row_bytes);
  }
}

}  // namespace reel
