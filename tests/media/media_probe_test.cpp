// probe_media against the ffprobe data recorded in the fixtures' fixture.json, and on files
// the tests write themselves.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "media/media_info.h"
#include "media/media_test_files.h"
#include "media/video_decoder.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;
using test::video_fixture;

nlohmann::json recorded_probe(const std::string& file) {
  std::ifstream f(video_fixture("fixture.json"));
  return nlohmann::json::parse(f).at("files").at(file).at("probe");
}

double rate(const std::string& fraction) {
  const auto slash = fraction.find('/');
  return std::stod(fraction.substr(0, slash)) / std::stod(fraction.substr(slash + 1));
}

TEST(ProbeMedia, VideosMatchTheRecordedFfprobeData) {
  for (const std::string file :
       {"h264_64x48_17f_15fps.mp4", "vp9_64x48_17f_15fps.webm", "portrait_h264_48x64_17f_15fps.mp4",
        "with_audio_h264_aac_64x48_17f_15fps.mp4", "short_3f_h264_64x48_15fps.mp4",
        "truncated_faststart.mp4"}) {
    SCOPED_TRACE(file);
    const nlohmann::json probe = recorded_probe(file);
    const nlohmann::json& video = probe.at("streams").at(0);
    ASSERT_EQ(video.at("codec_type"), "video");
    const MediaInfo info = probe_media(video_fixture(file));
    EXPECT_EQ(info.kind, MediaKind::kVideo);
    EXPECT_EQ(info.width, video.at("width").get<int>());
    EXPECT_EQ(info.height, video.at("height").get<int>());
    EXPECT_EQ(info.rotation, 0);
    EXPECT_EQ(info.codec, video.at("codec_name").get<std::string>());
    // The header's count where the container has one (the cut-off file still says 17), else
    // the packets counted (webm): ffprobe's nb_read_frames.
    const std::string frames = video.contains("nb_frames")
                                   ? video.at("nb_frames").get<std::string>()
                                   : video.at("nb_read_frames").get<std::string>();
    EXPECT_EQ(info.frame_count, std::stoll(frames));
    EXPECT_DOUBLE_EQ(info.fps, rate(video.at("avg_frame_rate")));
    const std::string duration = video.contains("duration")
                                     ? video.at("duration").get<std::string>()
                                     : probe.at("duration").get<std::string>();
    EXPECT_NEAR(info.duration_s, std::stod(duration), 1e-3);
    bool audio = false;
    for (const auto& s : probe.at("streams")) audio = audio || s.at("codec_type") == "audio";
    EXPECT_EQ(info.has_audio, audio);
  }
}

TEST(ProbeMedia, APngIsAnImageOfOneFrame) {
  const nlohmann::json video = recorded_probe("image_64x48.png").at("streams").at(0);
  const MediaInfo info = probe_media(video_fixture("image_64x48.png"));
  EXPECT_EQ(info.kind, MediaKind::kImage);
  EXPECT_EQ(info.width, video.at("width").get<int>());
  EXPECT_EQ(info.height, video.at("height").get<int>());
  EXPECT_EQ(info.codec, "png");
  EXPECT_EQ(info.frame_count, 1);
  EXPECT_EQ(info.fps, 0);
  EXPECT_EQ(info.duration_s, 0);
  EXPECT_FALSE(info.has_audio);
}

// A JPEG from FFmpeg's mjpeg encoder and a hand-written BMP, under the names a dataset
// gives them.
TEST(ProbeMedia, JpegAndBmpAreImages) {
  const at::Tensor rgb = at::arange(48, at::kDouble).view({48, 1, 1}).expand({48, 64, 3});
  const at::Tensor smooth = (rgb * 4 + at::tensor({0, 30, 60}, at::kDouble)).to(at::kByte);
  test::TempDir dir;
  test::write_bytes(dir / "photo.jpg", test::jpeg_bytes(smooth));
  test::write_bytes(dir / "photo.jpeg", test::jpeg_bytes(smooth));
  test::write_bytes(dir / "scan.bmp", test::bmp_bytes(smooth));
  for (const char* name : {"photo.jpg", "photo.jpeg", "scan.bmp"}) {
    SCOPED_TRACE(name);
    const MediaInfo info = probe_media(dir / name);
    EXPECT_EQ(info.kind, MediaKind::kImage);
    EXPECT_EQ(info.width, 64);
    EXPECT_EQ(info.height, 48);
    EXPECT_EQ(info.frame_count, 1);
    EXPECT_EQ(info.fps, 0);
    EXPECT_EQ(info.codec, std::string(name).find("bmp") != std::string::npos ? "bmp" : "mjpeg");
    const at::Tensor frames = decode_frames(dir / name);
    ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, 48, 64, 3}));
    // The JPEG is lossy; the BMP is not.
    EXPECT_LE(test::max_abs_diff(frames[0], smooth), std::string(name) == "scan.bmp" ? 0 : 4);
  }
}

// An animated GIF has a demuxer of its own: a video, its frames counted from the packets.
TEST(ProbeMedia, AnAnimatedGifIsAVideo) {
  const at::Tensor gray =
      at::arange(3, at::kInt).mul(100).add(20).view({3, 1, 1}).expand({3, 12, 20});
  test::TempDir dir;
  test::write_gif(dir / "loop.gif", gray.to(at::kByte));
  const MediaInfo info = probe_media(dir / "loop.gif");
  EXPECT_EQ(info.kind, MediaKind::kVideo);
  EXPECT_EQ(info.codec, "gif");
  EXPECT_EQ(info.width, 20);
  EXPECT_EQ(info.height, 12);
  EXPECT_EQ(info.frame_count, 3);
  const at::Tensor frames = decode_frames(dir / "loop.gif");
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{3, 12, 20, 3}));
  EXPECT_TRUE(at::equal(frames, gray.unsqueeze(3).expand({3, 12, 20, 3}).to(at::kByte)));
}

TEST(ProbeMedia, BrokenFilesThrowNamingTheFileAndTheReason) {
  for (const char* name : {"truncated_no_moov.mp4", "not_a_video.mp4"}) {
    const std::string path = video_fixture(name).string();
    const std::string e = error_of([&] { probe_media(path); });
    EXPECT_TRUE(contains_text(e, path + ": not a media file FFmpeg can read: moov atom not found "
                                        "(Invalid data found when processing input)"))
        << e;
    EXPECT_TRUE(contains_text(e, "hint: the file is damaged or cut short")) << e;
  }
}

// FFmpeg's own complaint ("[mov,mp4,... @ 0x...] moov atom not found") goes to the debug log,
// not to stderr: a dataset with broken files shows Reel's one message per file.
TEST(ProbeMedia, FfmpegPrintsNothingOfItsOwn) {
  testing::internal::CaptureStderr();
  error_of([] { probe_media(video_fixture("not_a_video.mp4")); });
  error_of([] { decode_frames(video_fixture("truncated_faststart.mp4")); });
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

// A WAV file: audio only.
TEST(ProbeMedia, AnAudioFileHasNoVideoStream) {
  std::string wav = "RIFF";
  test::put_le(wav, 36 + 1600, 4);
  wav += "WAVEfmt ";
  test::put_le(wav, 16, 4);
  test::put_le(wav, 1, 2);  // PCM
  test::put_le(wav, 1, 2);  // mono
  test::put_le(wav, 8000, 4);
  test::put_le(wav, 16000, 4);
  test::put_le(wav, 2, 2);
  test::put_le(wav, 16, 2);
  wav += "data";
  test::put_le(wav, 1600, 4);
  wav.append(1600, '\0');
  test::TempDir dir;
  test::write_bytes(dir / "voice.wav", wav);
  const std::string e = error_of([&] { probe_media(dir / "voice.wav"); });
  EXPECT_TRUE(contains_text(e, (dir / "voice.wav").string() + ": no video stream")) << e;
}

TEST(ProbeMedia, AMissingFileSaysSo) {
  test::TempDir dir;
  const std::string e = error_of([&] { probe_media(dir / "gone.mp4"); });
  EXPECT_TRUE(
      contains_text(e, (dir / "gone.mp4").string() + ": cannot open: No such file or directory"))
      << e;
}

}  // namespace
}  // namespace reel
