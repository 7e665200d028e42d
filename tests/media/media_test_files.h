// Media files the media tests make for themselves, without the code under test: BMP and
// YUV4MPEG files written byte by byte, JPEGs and GIFs from libavcodec's encoders, and a copy
// of an mp4 with a rotation tag made with libavformat directly. Plus access to the fixtures'
// reference frames.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
}

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/safetensors.h"
#include "test_paths.h"

namespace reel::test {

inline std::filesystem::path video_fixture(const std::string& name) {
  return std::filesystem::path(REEL_FIXTURES_DIR) / "video_io" / name;
}

// `ffmpeg -v error -i FILE -f rawvideo -pix_fmt rgb24 -` of a fixture (by its stem), uint8
// [F, H, W, 3].
inline at::Tensor cli_frames(const std::string& stem) {
  static const SafetensorsFile file =
      SafetensorsFile::open(video_fixture("decoded_frames.safetensors"));
  return file.tensor(stem + "/rgb24");
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

inline void put_le(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A 24-bit uncompressed BMP of `rgb` (uint8 [H, W, 3]): rows bottom-up, BGR, each row
// padded to 4 bytes.
inline std::string bmp_bytes(const at::Tensor& rgb) {
  const int h = static_cast<int>(rgb.size(0)), w = static_cast<int>(rgb.size(1));
  const int row = (w * 3 + 3) / 4 * 4;
  std::string s = "BM";
  put_le(s, 54 + row * h, 4);
  put_le(s, 0, 4);
  put_le(s, 54, 4);  // pixel data offset
  put_le(s, 40, 4);  // BITMAPINFOHEADER
  put_le(s, w, 4);
  put_le(s, h, 4);
  put_le(s, 1, 2);   // planes
  put_le(s, 24, 2);  // bits per pixel
  put_le(s, 0, 4);   // no compression
  put_le(s, row * h, 4);
  put_le(s, 2835, 4);  // 72 dpi
  put_le(s, 2835, 4);
  put_le(s, 0, 4);
  put_le(s, 0, 4);
  const at::Tensor px = rgb.contiguous();
  const uint8_t* p = px.data_ptr<uint8_t>();
  for (int y = h - 1; y >= 0; --y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t* c = p + (static_cast<size_t>(y) * w + x) * 3;
      s.push_back(static_cast<char>(c[2]));
      s.push_back(static_cast<char>(c[1]));
      s.push_back(static_cast<char>(c[0]));
    }
    s.append(static_cast<size_t>(row - w * 3), '\0');
  }
  return s;
}

// A YUV4MPEG2 stream of 4:2:0 frames: `y` uint8 [F, H, W], `u` and `v` uint8
// [F, ceil(H/2), ceil(W/2)].
inline std::string y4m_bytes(const at::Tensor& y, const at::Tensor& u, const at::Tensor& v,
                             int fps) {
  std::string s = "YUV4MPEG2 W" + std::to_string(y.size(2)) + " H" + std::to_string(y.size(1)) +
                  " F" + std::to_string(fps) + ":1 Ip A1:1 C420jpeg\n";
  for (int64_t f = 0; f < y.size(0); ++f) {
    s += "FRAME\n";
    for (const at::Tensor& plane : {y[f], u[f], v[f]}) {
      const at::Tensor c = plane.contiguous();
      s.append(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), c.numel());
    }
  }
  return s;
}

// One JPEG of `rgb` (uint8 [H, W, 3]) from FFmpeg's mjpeg encoder, at high quality, with
// 4:2:0 or 4:4:4 chroma.
inline std::string jpeg_bytes(const at::Tensor& rgb, bool chroma_444 = false) {
  const int h = static_cast<int>(rgb.size(0)), w = static_cast<int>(rgb.size(1));
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  EXPECT_NE(codec, nullptr);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = w;
  c->height = h;
  c->pix_fmt = chroma_444 ? AV_PIX_FMT_YUVJ444P : AV_PIX_FMT_YUVJ420P;
  c->time_base = {1, 25};
  c->flags |= AV_CODEC_FLAG_QSCALE;
  c->global_quality = FF_QP2LAMBDA * 2;
  EXPECT_GE(avcodec_open2(c, codec, nullptr), 0);
  AVFrame* f = av_frame_alloc();
  f->format = c->pix_fmt;
  f->width = w;
  f->height = h;
  f->quality = c->global_quality;
  EXPECT_GE(av_frame_get_buffer(f, 0), 0);
  // Full-range BT.601 (JFIF), converted here in floating point.
  const at::Tensor px = rgb.to(at::kDouble);
  const at::Tensor r = px.select(2, 0), g = px.select(2, 1), b = px.select(2, 2);
  const at::Tensor yy = 0.299 * r + 0.587 * g + 0.114 * b;
  at::Tensor cb = 128 + (b - yy) / 1.772, cr = 128 + (r - yy) / 1.402;
  if (!chroma_444) {
    // Average 2x2 blocks (the sizes here are even).
    cb = cb.view({h / 2, 2, w / 2, 2}).mean({1, 3});
    cr = cr.view({h / 2, 2, w / 2, 2}).mean({1, 3});
  }
  const at::Tensor planes[3] = {yy, cb, cr};
  for (int p = 0; p < 3; ++p) {
    const at::Tensor q = planes[p].round().clamp(0, 255).to(at::kByte).contiguous();
    for (int64_t row = 0; row < q.size(0); ++row) {
      std::memcpy(f->data[p] + row * f->linesize[p], q[row].data_ptr<uint8_t>(), q.size(1));
    }
  }
  AVPacket* pkt = av_packet_alloc();
  std::string bytes;
  EXPECT_GE(avcodec_send_frame(c, f), 0);
  EXPECT_GE(avcodec_send_frame(c, nullptr), 0);
  while (avcodec_receive_packet(c, pkt) >= 0) {
    bytes.append(reinterpret_cast<const char*>(pkt->data), pkt->size);
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  av_frame_free(&f);
  avcodec_free_context(&c);
  return bytes;
}

// An animated GIF of grey frames `gray` (uint8 [F, H, W]) from FFmpeg's gif encoder and muxer.
inline void write_gif(const std::filesystem::path& path, const at::Tensor& gray) {
  const int h = static_cast<int>(gray.size(1)), w = static_cast<int>(gray.size(2));
  AVFormatContext* out = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&out, nullptr, "gif", path.c_str()), 0);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_GIF);
  ASSERT_NE(codec, nullptr);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = w;
  c->height = h;
  c->pix_fmt = AV_PIX_FMT_GRAY8;
  c->time_base = {1, 10};
  ASSERT_GE(avcodec_open2(c, codec, nullptr), 0);
  AVStream* s = avformat_new_stream(out, nullptr);
  ASSERT_GE(avcodec_parameters_from_context(s->codecpar, c), 0);
  s->time_base = c->time_base;
  ASSERT_GE(avio_open(&out->pb, path.c_str(), AVIO_FLAG_WRITE), 0);
  ASSERT_GE(avformat_write_header(out, nullptr), 0);
  AVFrame* f = av_frame_alloc();
  f->format = c->pix_fmt;
  f->width = w;
  f->height = h;
  ASSERT_GE(av_frame_get_buffer(f, 0), 0);
  AVPacket* pkt = av_packet_alloc();
  auto drain = [&] {
    while (avcodec_receive_packet(c, pkt) >= 0) {
      av_packet_rescale_ts(pkt, c->time_base, s->time_base);
      pkt->stream_index = 0;
      ASSERT_GE(av_interleaved_write_frame(out, pkt), 0);
    }
  };
  for (int64_t i = 0; i < gray.size(0); ++i) {
    ASSERT_GE(av_frame_make_writable(f), 0);
    const at::Tensor g = gray[i].contiguous();
    for (int y = 0; y < h; ++y) {
      std::memcpy(f->data[0] + y * f->linesize[0], g[y].data_ptr<uint8_t>(), w);
    }
    f->pts = i;
    ASSERT_GE(avcodec_send_frame(c, f), 0);
    drain();
  }
  ASSERT_GE(avcodec_send_frame(c, nullptr), 0);
  drain();
  ASSERT_GE(av_write_trailer(out), 0);
  av_packet_free(&pkt);
  av_frame_free(&f);
  avcodec_free_context(&c);
  avio_closep(&out->pb);
  avformat_free_context(out);
}

// Copies the video stream of `in` to `out` (mp4, packets unchanged) with a display matrix
// that tells players to turn the picture `clockwise_degrees`.
inline void copy_with_rotation(const std::filesystem::path& in, const std::filesystem::path& out,
                               int clockwise_degrees) {
  AVFormatContext* src = nullptr;
  ASSERT_GE(avformat_open_input(&src, in.c_str(), nullptr, nullptr), 0);
  ASSERT_GE(avformat_find_stream_info(src, nullptr), 0);
  const int index = av_find_best_stream(src, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  ASSERT_GE(index, 0);
  AVFormatContext* dst = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&dst, nullptr, "mp4", out.c_str()), 0);
  AVStream* s = avformat_new_stream(dst, nullptr);
  ASSERT_GE(avcodec_parameters_copy(s->codecpar, src->streams[index]->codecpar), 0);
  s->codecpar->codec_tag = 0;
  s->time_base = src->streams[index]->time_base;
  auto* matrix = reinterpret_cast<int32_t*>(
      av_stream_new_side_data(s, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)));
  ASSERT_NE(matrix, nullptr);
  // Clockwise, as libavutil/display.h documents (av_display_rotation_get answers
  // counter-clockwise). A phone's portrait clip has this matrix with 90.
  av_display_rotation_set(matrix, clockwise_degrees);
  ASSERT_GE(avio_open(&dst->pb, out.c_str(), AVIO_FLAG_WRITE), 0);
  ASSERT_GE(avformat_write_header(dst, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  while (av_read_frame(src, pkt) >= 0) {
    if (pkt->stream_index == index) {
      av_packet_rescale_ts(pkt, src->streams[index]->time_base, s->time_base);
      pkt->stream_index = 0;
      pkt->pos = -1;
      ASSERT_GE(av_interleaved_write_frame(dst, pkt), 0);
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  ASSERT_GE(av_write_trailer(dst), 0);
  avio_closep(&dst->pb);
  avformat_free_context(dst);
  avformat_close_input(&src);
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

inline double mean_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().mean().item<double>();
}

}  // namespace reel::test
