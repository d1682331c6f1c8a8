// How records travel inside REST Proxy v2 JSON: the embedded format (binary = base64 strings,
// json = JSON values stored as their compact text), content-type negotiation, and Kafka's default
// partitioner for keyed records, so HTTP and Kafka producers put a key on the same partition.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/http_api/json.h"
#include "agent/http_api/rest_error.h"
#include "common/bytes.h"
#include "record/batch_builder.h"
#include "record/record_batch.h"

namespace sluice::agent::http_api {

enum class EmbeddedFormat { kBinary, kJson };

std::string_view FormatName(EmbeddedFormat format);  // "binary", "json"
std::optional<EmbeddedFormat> ParseFormatName(std::string_view name);
// application/vnd.kafka.<format>.v2+json
std::string MediaType(EmbeddedFormat format);

// The format a produce body is in, from its Content-Type; nullopt when it is not one we read.
std::optional<EmbeddedFormat> ContentTypeFormat(std::string_view content_type);
// The format to answer in, from an Accept header: the first entry we can serve wins; no header,
// */* or application/vnd.kafka.v2+json give `fallback`; nullopt when nothing listed is servable.
std::optional<EmbeddedFormat> AcceptFormat(std::string_view accept, EmbeddedFormat fallback);

std::string Base64Encode(ByteView data);
// Standard alphabet, padding optional; nullopt on any other character or a bad length.
std::optional<Bytes> Base64Decode(std::string_view text);

struct ProduceRecord {
  std::optional<int32_t> partition;  // as given by the client
  RecordToBuild record;              // key, value, headers; timestamp set by the caller
};

// Parses {"records":[{"key":..,"value":..,"partition":..,"headers":[{"key":..,"value":..}]}]}.
// Errors: 400 for malformed JSON, 42201 for anything else wrong (and nothing is written).
std::optional<RestError> ParseProduceBody(std::string_view body, EmbeddedFormat format,
                                          std::vector<ProduceRecord>& out);

// One fetched record as REST Proxy answers it: topic, key, value, partition, offset, timestamp,
// headers. 42203 when the format is json and the key or value is not JSON text.
std::optional<RestError> RecordToJson(const std::string& topic, int32_t partition,
                                      const Record& record, EmbeddedFormat format, Json& out);

}  // namespace sluice::agent::http_api
