// Compression codecs of Kafka record batches (attributes bits 0-2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice {

enum class CompressionCodec : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

std::string_view CodecName(CompressionCodec codec);

// Compresses in the format Kafka clients expect: gzip stream, xerial-framed snappy (as the Java
// client writes), LZ4 frame, zstd frame. kNone copies.
Result<Bytes> Compress(CompressionCodec codec, ByteView input);

// Decompresses, failing with kResourceExhausted as soon as the output would exceed
// `max_output_bytes` (defeats decompression bombs) and kCorruption on malformed input.
// Snappy accepts both raw snappy and the xerial framing; zstd accepts frames without content size.
Result<Bytes> Decompress(CompressionCodec codec, ByteView input, size_t max_output_bytes);

// Snappy variants, exposed for tests and for callers that need one specific framing.
Result<Bytes> CompressSnappyRaw(ByteView input);
Result<Bytes> CompressSnappyXerial(ByteView input);
bool IsXerialSnappy(ByteView input);

}  // namespace sluice
