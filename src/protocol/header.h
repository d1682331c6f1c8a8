// Kafka request and response headers, and which header version an API/version uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "protocol/message_support.h"
#include "protocol/wire.h"

namespace sluice::protocol {

// Header v0: key, version, correlation id. v1 adds client_id. v2 (flexible APIs) adds tagged
// fields; client_id keeps its INT16 length prefix even in v2.
struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  UnknownTags unknown_tags{};

  void Encode(Writer& w, int16_t header_version) const;
  Status Decode(Reader& r, int16_t header_version);
  // Reads api key and version first, then the rest in RequestHeaderVersion(key, version).
  Status DecodeAnyVersion(Reader& r);
  bool operator==(const RequestHeader&) const = default;
};

// v0: correlation id. v1 (flexible APIs except ApiVersions) adds tagged fields.
struct ResponseHeader {
  int32_t correlation_id = 0;
  UnknownTags unknown_tags{};

  void Encode(Writer& w, int16_t header_version) const;
  Status Decode(Reader& r, int16_t header_version);
  bool operator==(const ResponseHeader&) const = default;
};

// Header versions by api key and version. Versions above our maximum are classified by the
// API's first flexible version, so an ApiVersions request newer than ours still parses.
int16_t RequestHeaderVersion(int16_t api_key, int16_t api_version);
int16_t ResponseHeaderVersion(int16_t api_key, int16_t api_version);

}  // namespace sluice::protocol
