#include "data/zstd_frame.h"

#include <zstd.h>

#include <algorithm>
#include <memory>

#include "core/error.h"

namespace reel {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

Error corrupt(const std::string& name, const std::string& why) {
  Error e("not a complete zstd stream: " + why);
  e.file(name).hint("the file is damaged or was cut short; delete it so it is made again");
  return e;
}

}  // namespace

std::string zstd_compress(std::string_view bytes, int level) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  if (!ctx) throw Error("zstd: cannot create a compression context (out of memory)");
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_contentSizeFlag, 1);
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const size_t n = ZSTD_compress2(ctx.get(), out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n)) throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstd_decompress(std::string_view frame, const std::string& name) {
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) throw corrupt(name, "no zstd frame header");

  // Streaming, so that a damaged header claiming a huge size cannot make us allocate it:
  // the output grows with what actually decodes.
  std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  if (!ctx) throw Error("zstd: cannot create a decompression context (out of memory)");
  std::string out;
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    out.reserve(static_cast<size_t>(
        std::min<unsigned long long>(declared, 64ull * frame.size() + (1u << 20))));
  }
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t ret = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(ret)) throw corrupt(name, ZSTD_getErrorName(ret));
    out.append(chunk.data(), o.pos);
    if (ret == 0) break;  // the frame is complete (its checksum verified)
  }
  // Flush what the decoder still holds when the input ran out mid-frame.
  while (ret != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(ret)) throw corrupt(name, ZSTD_getErrorName(ret));
    out.append(chunk.data(), o.pos);
    if (o.pos == 0 && ret != 0) throw corrupt(name, "the data ends inside the frame");
  }
  if (in.pos != in.size) throw corrupt(name, "extra bytes after the frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && out.size() != declared) {
    throw corrupt(name, "the frame declares " + std::to_string(declared) + " bytes but holds " +
                            std::to_string(out.size()));
  }
  return out;
}

}  // namespace reel
