#include "record/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>

#include "record/varint.h"

namespace sluice {
namespace {

// xerial snappy-java stream header: magic, then version and minimum compatible version (int32 BE).
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;
constexpr size_t kXerialBlockSize = 32 * 1024;  // snappy-java's default block size

Status TooLarge(size_t limit) {
  return Status::ResourceExhausted("decompressed data exceeds " + std::to_string(limit) + " bytes");
}

// Grows `out` for a streaming decoder without exceeding the limit by more than one byte, so the
// decoder can tell "exactly at the limit" from "over it".
bool GrowOutput(Bytes& out, size_t used, size_t max_output) {
  if (used < out.size()) return true;
  size_t hard_cap = max_output + 1;
  if (out.size() >= hard_cap) return false;
  size_t next = std::max<size_t>(out.size() * 2, 64 * 1024);
  out.resize(std::min(next, hard_cap));
  return true;
}

// ---- gzip ----

Result<Bytes> GzipCompress(ByteView input) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::Internal("deflateInit2 failed");
  Bytes out(deflateBound(&zs, input.size()) + 32);
  zs.next_in = const_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("gzip compression failed");
  out.resize(produced);
  return out;
}

Result<Bytes> GzipDecompress(ByteView input, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  Bytes out;
  size_t used = 0;
  zs.next_in = const_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  bool ended = false;
  while (true) {
    if (!GrowOutput(out, used, max_output)) return TooLarge(max_output);
    zs.next_out = out.data() + used;
    zs.avail_out = static_cast<uInt>(out.size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out.size() - zs.avail_out;
    if (used > max_output) return TooLarge(max_output);
    if (rc == Z_STREAM_END) {
      ended = true;
      if (zs.avail_in == 0) break;
      // Concatenated gzip members are legal; continue with the next one.
      if (inflateReset(&zs) != Z_OK) return Status::Corruption("gzip: reset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended mid-stream
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Status::Corruption("gzip: malformed stream");
  }
  if (!ended || zs.avail_in != 0) return Status::Corruption("gzip: truncated stream");
  out.resize(used);
  return out;
}

// ---- snappy ----

Result<Bytes> SnappyRawDecompress(ByteView input, size_t max_output) {
  const char* src = reinterpret_cast<const char*>(input.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(src, input.size(), &length))
    return Status::Corruption("snappy: bad length preamble");
  if (length > max_output) return TooLarge(max_output);
  if (!snappy::IsValidCompressedBuffer(src, input.size()))
    return Status::Corruption("snappy: malformed block");
  Bytes out(length);
  if (!snappy::RawUncompress(src, input.size(), reinterpret_cast<char*>(out.data())))
    return Status::Corruption("snappy: malformed block");
  return out;
}

Result<Bytes> SnappyXerialDecompress(ByteView input, size_t max_output) {
  if (input.size() < kXerialHeaderSize)
    return Status::Corruption("snappy: truncated xerial header");
  ByteView rest = input.subspan(kXerialHeaderSize);
  Bytes out;
  while (!rest.empty()) {
    if (rest.size() < 4) return Status::Corruption("snappy: truncated xerial block length");
    int32_t block_len = LoadBigEndian<int32_t>(rest.data());
    rest = rest.subspan(4);
    if (block_len < 0 || static_cast<size_t>(block_len) > rest.size())
      return Status::Corruption("snappy: xerial block exceeds input");
    SLUICE_ASSIGN_OR_RETURN(Bytes block,
                            SnappyRawDecompress(rest.first(block_len), max_output - out.size()));
    out.insert(out.end(), block.begin(), block.end());
    rest = rest.subspan(block_len);
  }
  return out;
}

// ---- lz4 ----

Result<Bytes> Lz4Compress(ByteView input) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = input.size();
  Bytes out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) return Status::Internal(std::string("lz4: ") + LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

Result<Bytes> Lz4Decompress(ByteView input, size_t max_output) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
    return Status::Internal("lz4: cannot create context");
  std::unique_ptr<LZ4F_dctx, size_t (*)(LZ4F_dctx*)> guard(dctx, LZ4F_freeDecompressionContext);
  Bytes out;
  size_t used = 0;
  size_t consumed = 0;
  size_t hint = 1;
  while (consumed < input.size()) {
    if (!GrowOutput(out, used, max_output)) return TooLarge(max_output);
    size_t dst_size = out.size() - used;
    size_t src_size = input.size() - consumed;
    hint = LZ4F_decompress(dctx, out.data() + used, &dst_size, input.data() + consumed, &src_size,
                           nullptr);
    if (LZ4F_isError(hint))
      return Status::Corruption(std::string("lz4: ") + LZ4F_getErrorName(hint));
    used += dst_size;
    consumed += src_size;
    if (used > max_output) return TooLarge(max_output);
    if (src_size == 0 && dst_size == 0 && used < out.size()) break;  // no progress possible
  }
  // Drain output still buffered inside the context.
  while (hint != 0) {
    if (!GrowOutput(out, used, max_output)) return TooLarge(max_output);
    size_t dst_size = out.size() - used;
    size_t src_size = 0;
    hint = LZ4F_decompress(dctx, out.data() + used, &dst_size, nullptr, &src_size, nullptr);
    if (LZ4F_isError(hint))
      return Status::Corruption(std::string("lz4: ") + LZ4F_getErrorName(hint));
    used += dst_size;
    if (used > max_output) return TooLarge(max_output);
    if (dst_size == 0) break;
  }
  if (hint != 0) return Status::Corruption("lz4: truncated frame");
  out.resize(used);
  return out;
}

// ---- zstd ----

Result<Bytes> ZstdCompress(ByteView input) {
  Bytes out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<Bytes> ZstdDecompress(ByteView input, size_t max_output) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return Status::Internal("zstd: cannot create context");
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> guard(dctx, ZSTD_freeDCtx);
  // Bound the window so a hostile frame header cannot make us allocate gigabytes.
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 27);
  Bytes out;
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t used = 0;
  size_t last_rc = 1;
  while (true) {
    if (!GrowOutput(out, used, max_output)) return TooLarge(max_output);
    ZSTD_outBuffer ob{out.data(), out.size(), used};
    last_rc = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(last_rc))
      return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(last_rc));
    used = ob.pos;
    if (used > max_output) return TooLarge(max_output);
    bool input_done = in.pos == in.size;
    bool output_full = ob.pos == ob.size;
    if (input_done && !output_full) break;  // decoder has flushed everything it can
  }
  if (last_rc != 0) return Status::Corruption("zstd: truncated frame");
  out.resize(used);
  return out;
}

}  // namespace

std::string_view CodecName(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kNone:
      return "none";
    case CompressionCodec::kGzip:
      return "gzip";
    case CompressionCodec::kSnappy:
      return "snappy";
    case CompressionCodec::kLz4:
      return "lz4";
    case CompressionCodec::kZstd:
      return "zstd";
  }
  return "unknown";
}

bool IsXerialSnappy(ByteView input) {
  return input.size() >= sizeof(kXerialMagic) &&
         std::equal(std::begin(kXerialMagic), std::end(kXerialMagic), input.begin());
}

Result<Bytes> CompressSnappyRaw(ByteView input) {
  std::string out;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &out);
  return ToBytes(out);
}

Result<Bytes> CompressSnappyXerial(ByteView input) {
  Bytes out(std::begin(kXerialMagic), std::end(kXerialMagic));
  PutBigEndian<int32_t>(out, 1);  // stream version
  PutBigEndian<int32_t>(out, 1);  // minimum compatible version
  for (size_t at = 0; at < input.size(); at += kXerialBlockSize) {
    ByteView block = input.subspan(at, std::min(kXerialBlockSize, input.size() - at));
    std::string compressed;
    snappy::Compress(reinterpret_cast<const char*>(block.data()), block.size(), &compressed);
    PutBigEndian<int32_t>(out, static_cast<int32_t>(compressed.size()));
    out.insert(out.end(), compressed.begin(), compressed.end());
  }
  return out;
}

Result<Bytes> Compress(CompressionCodec codec, ByteView input) {
  switch (codec) {
    case CompressionCodec::kNone:
      return Bytes(input.begin(), input.end());
    case CompressionCodec::kGzip:
      return GzipCompress(input);
    case CompressionCodec::kSnappy:
      return CompressSnappyXerial(input);
    case CompressionCodec::kLz4:
      return Lz4Compress(input);
    case CompressionCodec::kZstd:
      return ZstdCompress(input);
  }
  return Status::InvalidArgument("unknown compression codec");
}

Result<Bytes> Decompress(CompressionCodec codec, ByteView input, size_t max_output_bytes) {
  switch (codec) {
    case CompressionCodec::kNone:
      if (input.size() > max_output_bytes) return TooLarge(max_output_bytes);
      return Bytes(input.begin(), input.end());
    case CompressionCodec::kGzip:
      return GzipDecompress(input, max_output_bytes);
    case CompressionCodec::kSnappy:
      if (IsXerialSnappy(input)) return SnappyXerialDecompress(input, max_output_bytes);
      return SnappyRawDecompress(input, max_output_bytes);
    case CompressionCodec::kLz4:
      return Lz4Decompress(input, max_output_bytes);
    case CompressionCodec::kZstd:
      return ZstdDecompress(input, max_output_bytes);
  }
  return Status::InvalidArgument("unknown compression codec");
}

}  // namespace sluice
