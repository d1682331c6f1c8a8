#include "agent/http_api/embedded_format.h"

#include <array>
#include <cctype>

namespace sluice::agent::http_api {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type without parameters, lower-cased: "application/json; charset=utf-8" -> ...json.
std::string BareMediaType(std::string_view value) {
  auto semi = value.find(';');
  return Lower(Trim(value.substr(0, semi)));
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Bytes TextBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::optional<RestError> Invalid(std::string message) {
  return RestError{rest_code::kInvalidRecords, std::move(message)};
}

// A key or value: base64 string (binary) or any JSON value stored as its text (json); null stays
// null.
std::optional<RestError> EmbeddedBytes(const Json& value, EmbeddedFormat format,
                                       const std::string& what, std::optional<Bytes>& out) {
  if (value.is_null()) {
    out.reset();
    return std::nullopt;
  }
  if (format == EmbeddedFormat::kJson) {
    out = TextBytes(DumpJson(value));
    return std::nullopt;
  }
  if (!value.is_string()) return Invalid(what + " must be a base64 string or null");
  auto decoded = Base64Decode(value.get_ref<const std::string&>());
  if (!decoded) return Invalid(what + " is not valid base64");
  out = std::move(*decoded);
  return std::nullopt;
}

std::optional<RestError> ParseHeaders(const Json& headers, EmbeddedFormat format,
                                      const std::string& where, std::vector<RecordHeader>& out) {
  if (!headers.is_array()) return Invalid(where + ".headers must be an array");
  for (size_t i = 0; i < headers.size(); ++i) {
    const Json& h = headers[i];
    const std::string at = where + ".headers[" + std::to_string(i) + "]";
    if (!h.is_object()) return Invalid(at + " must be an object");
    RecordHeader header;
    for (const auto& [name, field] : h.items()) {
      if (name == "key" || name == "name") {
        if (!field.is_string()) return Invalid(at + ".key must be a string");
        header.key = field.get<std::string>();
      } else if (name == "value") {
        if (field.is_null()) {
          header.value.reset();
        } else if (!field.is_string()) {
          return Invalid(at + ".value must be a string or null");
        } else if (format == EmbeddedFormat::kBinary) {
          auto decoded = Base64Decode(field.get_ref<const std::string&>());
          if (!decoded) return Invalid(at + ".value is not valid base64");
          header.value = std::move(*decoded);
        } else {
          header.value = TextBytes(field.get<std::string>());
        }
      } else {
        return Invalid(at + ": unrecognized field " + name);
      }
    }
    if (header.key.empty()) return Invalid(at + ".key is missing");
    out.push_back(std::move(header));
  }
  return std::nullopt;
}

}  // namespace

std::string_view FormatName(EmbeddedFormat format) {
  return format == EmbeddedFormat::kJson ? "json" : "binary";
}

std::optional<EmbeddedFormat> ParseFormatName(std::string_view name) {
  if (name == "binary") return EmbeddedFormat::kBinary;
  if (name == "json") return EmbeddedFormat::kJson;
  return std::nullopt;
}

std::string MediaType(EmbeddedFormat format) {
  return "application/vnd.kafka." + std::string(FormatName(format)) + ".v2+json";
}

std::optional<EmbeddedFormat> ContentTypeFormat(std::string_view content_type) {
  const std::string type = BareMediaType(content_type);
  if (type == MediaType(EmbeddedFormat::kBinary)) return EmbeddedFormat::kBinary;
  if (type == MediaType(EmbeddedFormat::kJson)) return EmbeddedFormat::kJson;
  return std::nullopt;
}

std::optional<EmbeddedFormat> AcceptFormat(std::string_view accept, EmbeddedFormat fallback) {
  if (Trim(accept).empty()) return fallback;
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    if (comma == std::string_view::npos) comma = accept.size();
    const std::string type = BareMediaType(accept.substr(start, comma - start));
    if (type == MediaType(EmbeddedFormat::kBinary)) return EmbeddedFormat::kBinary;
    if (type == MediaType(EmbeddedFormat::kJson)) return EmbeddedFormat::kJson;
    if (type == "*/*" || type == "application/*" || type == "application/vnd.kafka.v2+json" ||
        type == "application/vnd.kafka+json" || type == "application/json") {
      return fallback;
    }
    start = comma + 1;
  }
  return std::nullopt;
}

std::string Base64Encode(ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kBase64Alphabet[(v >> s) & 63];
  }
  if (size_t rest = data.size() - i; rest > 0) {
    uint32_t v = data[i] << 16;
    if (rest == 2) v |= data[i + 1] << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<Bytes> Base64Decode(std::string_view text) {
  std::array<int8_t, 256> index;
  index.fill(-1);
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    index[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) {
    text.remove_suffix(1);
    ++padding;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = index[static_cast<uint8_t>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or the text was not produced by an encoder.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<RestError> ParseProduceBody(std::string_view body, EmbeddedFormat format,
                                          std::vector<ProduceRecord>& out) {
  auto doc = ParseJson(body);
  if (!doc) return RestError{rest_code::kBadRequest, "request body is not valid JSON"};
  if (!doc->is_object()) return Invalid("request body must be a JSON object");
  const Json* records = nullptr;
  for (const auto& [name, field] : doc->items()) {
    if (name == "records") {
      records = &field;
    } else if (name == "key_schema" || name == "value_schema" || name == "key_schema_id" ||
               name == "value_schema_id") {
      if (!field.is_null()) return Invalid(name + " is not supported (no schema registry)");
    } else {
      return Invalid("unrecognized field: " + name);
    }
  }
  if (!records || !records->is_array()) return Invalid("records must be an array");
  if (records->empty()) return Invalid("records must not be empty");
  out.clear();
  out.reserve(records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    const Json& r = (*records)[i];
    const std::string at = "records[" + std::to_string(i) + "]";
    if (!r.is_object()) return Invalid(at + " must be an object");
    ProduceRecord record;
    for (const auto& [name, field] : r.items()) {
      std::optional<RestError> error;
      if (name == "key") {
        error = EmbeddedBytes(field, format, at + ".key", record.record.key);
      } else if (name == "value") {
        error = EmbeddedBytes(field, format, at + ".value", record.record.value);
      } else if (name == "partition") {
        if (!field.is_null()) {
          auto p = JsonInt(field);
          if (!p || *p < 0 || *p > INT32_MAX) {
            return Invalid(at + ".partition must be a non-negative integer");
          }
          record.partition = static_cast<int32_t>(*p);
        }
      } else if (name == "headers") {
        if (!field.is_null()) error = ParseHeaders(field, format, at, record.record.headers);
      } else {
        return Invalid(at + ": unrecognized field " + name);
      }
      if (error) return error;
    }
    out.push_back(std::move(record));
  }
  return std::nullopt;
}

std::optional<RestError> RecordToJson(const std::string& topic, int32_t partition,
                                      const Record& record, EmbeddedFormat format, Json& out) {
  auto embed = [&](const std::optional<Bytes>& bytes, const char* what,
                   Json& value) -> std::optional<RestError> {
    if (!bytes) {
      value = nullptr;
      return std::nullopt;
    }
    if (format == EmbeddedFormat::kBinary) {
      value = Base64Encode(*bytes);
      return std::nullopt;
    }
    auto parsed =
        ParseJson(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
    if (!parsed) {
      return RestError{
          rest_code::kNotJson,
          std::string("the ") + what + " of the record at offset " + std::to_string(record.offset) +
              " of " + topic + "/" + std::to_string(partition) +
              " is not JSON; fetch it with Accept: " + MediaType(EmbeddedFormat::kBinary)};
    }
    value = std::move(*parsed);
    return std::nullopt;
  };
  out = Json::object();
  out["topic"] = topic;
  if (auto error = embed(record.key, "key", out["key"])) return error;
  if (auto error = embed(record.value, "value", out["value"])) return error;
  out["partition"] = partition;
  out["offset"] = record.offset;
  out["timestamp"] = record.timestamp;
  if (!record.headers.empty()) {
    Json headers = Json::array();
    for (const auto& h : record.headers) {
      Json value = nullptr;
      if (h.value) {
        if (format == EmbeddedFormat::kBinary) {
          value = Base64Encode(*h.value);
        } else {
          value = std::string(h.value->begin(), h.value->end());
        }
      }
      headers.push_back({{"key", h.key}, {"value", std::move(value)}});
    }
    out["headers"] = std::move(headers);
  }
  return std::nullopt;
}

}  // namespace sluice::agent::http_api
