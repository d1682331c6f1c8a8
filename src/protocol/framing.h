// Size-prefixed Kafka frames: INT32 length, header, body. The header version follows from the
// message's api key and version, so callers cannot pair a body with the wrong header.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace sluice::protocol {

// A broker's answer to the request with `correlation_id`, ready to write to the socket.
// Both functions fail (InvalidArgument) when a field does not fit its length prefix.
template <typename Response>
Result<Bytes> EncodeResponseFrame(int32_t correlation_id, int16_t version, const Response& body) {
  Writer w;
  w.WriteInt32(0);  // patched below
  ResponseHeader header;
  header.correlation_id = correlation_id;
  header.Encode(w, ResponseHeaderVersion(Response::kApiKey, version));
  body.Encode(w, version);
  if (!w.ok()) return Status::InvalidArgument("kafka frame: a field exceeds its length prefix");
  w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
  return w.Take();
}

// A client request (tests and tools); api key and version come from `header`.
template <typename Request>
Result<Bytes> EncodeRequestFrame(const RequestHeader& header, const Request& body) {
  Writer w;
  w.WriteInt32(0);
  header.Encode(w, RequestHeaderVersion(header.api_key, header.api_version));
  body.Encode(w, header.api_version);
  if (!w.ok()) return Status::InvalidArgument("kafka frame: a field exceeds its length prefix");
  w.PatchInt32(0, static_cast<int32_t>(w.size() - 4));
  return w.Take();
}

}  // namespace sluice::protocol
