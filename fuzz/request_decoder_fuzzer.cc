// libFuzzer target: a Kafka request as it arrives after the size prefix (header, then body of
// the API named in the header). Decoding must never crash; whatever decodes must re-encode to
// bytes that decode again and re-encode identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "protocol/header.h"
#include "protocol/messages.h"

namespace {

using sluice::Bytes;
using sluice::ByteView;
using sluice::protocol::Reader;
using sluice::protocol::RequestHeader;
using sluice::protocol::Writer;

template <typename Msg>
void DecodeBody(Reader& r, int16_t version) {
  Msg msg;
  if (!msg.Decode(r, version).ok()) return;
  Writer first;
  msg.Encode(first, version);
  Bytes encoded = first.Take();

  Msg again;
  Reader r2(encoded);
  if (!again.Decode(r2, version).ok() || r2.remaining() != 0) std::abort();
  Writer second;
  again.Encode(second, version);
  if (second.buffer() != encoded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(ByteView(data, size));
  RequestHeader header;
  if (!header.DecodeAnyVersion(r).ok()) return 0;
  switch (header.api_key) {
#define SLUICE_FUZZ_API(Api)                                           \
  case sluice::protocol::Api##Request::kApiKey:                        \
    DecodeBody<sluice::protocol::Api##Request>(r, header.api_version); \
    break;
    SLUICE_PROTOCOL_FOR_EACH_API(SLUICE_FUZZ_API)
#undef SLUICE_FUZZ_API
    default:
      break;
  }
  return 0;
}
