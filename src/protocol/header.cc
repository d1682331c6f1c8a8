#include "protocol/header.h"

#include "protocol/api_keys.h"

namespace sluice::protocol {

namespace {
constexpr int16_t kApiVersionsKey = 18;
constexpr int16_t kControlledShutdownKey = 7;

bool IsFlexible(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = FindApi(api_key);
  return api != nullptr && api_version >= api->first_flexible_version;
}
}  // namespace

int16_t RequestHeaderVersion(int16_t api_key, int16_t api_version) {
  if (api_key == kControlledShutdownKey && api_version == 0) return 0;
  return IsFlexible(api_key, api_version) ? 2 : 1;
}

int16_t ResponseHeaderVersion(int16_t api_key, int16_t api_version) {
  // ApiVersions answers always use v0 so that any client can read the error code (KIP-511).
  if (api_key == kApiVersionsKey) return 0;
  return IsFlexible(api_key, api_version) ? 1 : 0;
}

void RequestHeader::Encode(Writer& w, int16_t header_version) const {
  w.WriteInt16(api_key);
  w.WriteInt16(api_version);
  w.WriteInt32(correlation_id);
  if (header_version >= 1) w.WriteNullableString(client_id, /*compact=*/false);
  if (header_version >= 2) TaggedFieldsWriter(unknown_tags).Finish(w);
}

Status RequestHeader::Decode(Reader& r, int16_t header_version) {
  if (header_version < 0 || header_version > 2) {
    return Status::InvalidArgument("unsupported request header version");
  }
  *this = RequestHeader{};
  api_key = r.ReadInt16();
  api_version = r.ReadInt16();
  correlation_id = r.ReadInt32();
  if (header_version >= 1) client_id = r.ReadNullableString(/*compact=*/false);
  if (header_version >= 2) {
    ReadTaggedFields(r, unknown_tags, [](uint32_t, Reader&) { return false; });
  }
  return r.status();
}

Status RequestHeader::DecodeAnyVersion(Reader& r) {
  Reader peek = r;
  int16_t key = peek.ReadInt16();
  int16_t version = peek.ReadInt16();
  if (!peek.ok()) return peek.status();
  return Decode(r, RequestHeaderVersion(key, version));
}

void ResponseHeader::Encode(Writer& w, int16_t header_version) const {
  w.WriteInt32(correlation_id);
  if (header_version >= 1) TaggedFieldsWriter(unknown_tags).Finish(w);
}

Status ResponseHeader::Decode(Reader& r, int16_t header_version) {
  if (header_version < 0 || header_version > 1) {
    return Status::InvalidArgument("unsupported response header version");
  }
  *this = ResponseHeader{};
  correlation_id = r.ReadInt32();
  if (header_version >= 1) {
    ReadTaggedFields(r, unknown_tags, [](uint32_t, Reader&) { return false; });
  }
  return r.status();
}

}  // namespace sluice::protocol
