// `reel debug decode FILE --output OUT.safetensors`: a video or image decoded as the data
// loader reads it (display orientation, optionally resized and cut short), saved as `frames`
// uint8 [F, H, W, 3] with what probing found as metadata, to compare with another decoder.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "app/commands.h"
#include "core/error.h"
#include "core/safetensors_writer.h"
#include "core/shape_text.h"
#include "media/media_info.h"
#include "media/video_decoder.h"

namespace reel {
namespace {

struct DecodeArgs {
  std::string file, output;
  int64_t frames = 0;
  int width = 0, height = 0;
};

std::string number(double v, int digits) {
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}

void decode(const DecodeArgs& a) {
  if (a.frames < 0)
    throw Error("must be 0 (all) or more, not " + std::to_string(a.frames)).key("--frames");
  if (a.width < 0 || a.height < 0 || (a.width == 0) != (a.height == 0)) {
    // The one that is missing or negative.
    const bool width_wrong = a.width < 0 || (a.width == 0 && a.height > 0);
    throw Error("give both --width and --height (> 0), or neither for the file's own size")
        .key(width_wrong ? "--width" : "--height");
  }
  const MediaInfo info = probe_media(a.file);
  DecodeRequest request;
  request.max_frames = a.frames;
  request.width = a.width;
  request.height = a.height;
  const at::Tensor frames = decode_frames(a.file, request);

  const std::map<std::string, std::string> metadata = {
      {"source", a.file},
      {"kind", info.kind == MediaKind::kImage ? "image" : "video"},
      {"source_width", std::to_string(info.width)},
      {"source_height", std::to_string(info.height)},
      {"rotation", std::to_string(info.rotation)},
      {"frame_count", std::to_string(info.frame_count)},
      {"fps", number(info.fps, 10)},
      {"duration_s", number(info.duration_s, 10)},
      {"codec", info.codec},
      {"has_audio", info.has_audio ? "true" : "false"}};
  write_safetensors(a.output, {{"frames", frames}}, metadata);

  std::cout << frames.size(0) << (frames.size(0) == 1 ? " frame " : " frames ") << frames.size(2)
            << "x" << frames.size(1);
  if (info.kind == MediaKind::kVideo) std::cout << " at " << number(info.fps, 5) << " fps";
  std::cout << ", " << info.codec << " " << info.width << "x" << info.height;
  if (info.rotation != 0) std::cout << " turned " << info.rotation << " degrees clockwise";
  std::cout << " -> " << a.output << "\n";
}

}  // namespace

void add_debug_decode_command(CLI::App& debug, int& exit_code) {
  auto args = std::make_shared<DecodeArgs>();
  CLI::App* cmd = debug.add_subcommand(
      "decode",
      "Decode a video or image as training reads it (display orientation, RGB) and save "
      "`frames` uint8 [F, H, W, 3] with the probed metadata");
  cmd->add_option("FILE", args->file, "A video or image")->required();
  cmd->add_option("--output", args->output, "Where to write the .safetensors file")->required();
  cmd->add_option("--frames", args->frames, "Decode at most this many frames (0: all)")
      ->capture_default_str();
  cmd->add_option("--width", args->width, "Output width (with --height; default: the file's)");
  cmd->add_option("--height", args->height, "Output height (with --width)");
  cmd->callback([&exit_code, args] {
    decode(*args);
    exit_code = 0;
  });
}

}  // namespace reel
