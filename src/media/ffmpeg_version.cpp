#include "media/ffmpeg_version.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

namespace reel {
namespace {

std::string dotted(unsigned v) {
  return std::to_string(AV_VERSION_MAJOR(v)) + "." + std::to_string(AV_VERSION_MINOR(v)) + "." +
         std::to_string(AV_VERSION_MICRO(v));
}

}  // namespace

std::string ffmpeg_version() {
  return "libavformat " + dotted(avformat_version()) + ", libavcodec " + dotted(avcodec_version()) +
         ", libavutil " + dotted(avutil_version()) + ", libswscale " + dotted(swscale_version());
}

}  // namespace reel
