// Just enough XML for S3 answers: ListObjectsV2 results, multi-object delete results and error
// bodies. Hostile input gives an error, never a crash: nesting depth and element count are
// bounded, DOCTYPE (and so entity definitions) is refused, and only the predefined and numeric
// character references are decoded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace sluice::storage {

struct XmlElement {
  std::string name;  // without namespace prefix
  std::string text;  // concatenated character data directly inside this element
  std::vector<XmlElement> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view name) const;
};

// Parses a document with exactly one root element. Corruption on malformed input.
Result<XmlElement> ParseXml(std::string_view document);

// A ListObjectsV2 answer (ListBucketResult).
struct S3ListResult {
  std::vector<ObjectInfo> objects;
  bool is_truncated = false;
  std::string next_continuation_token;
};
Result<S3ListResult> ParseListObjectsV2(std::string_view document);

// The per-key errors of a multi-object delete answer (DeleteResult); Deleted entries are ignored.
struct S3DeleteError {
  std::string key;
  std::string code;
  std::string message;
};
Result<std::vector<S3DeleteError>> ParseDeleteResult(std::string_view document);

// An S3 <Error> body; empty code/message when the body is not one (e.g. empty HEAD answers).
struct S3ErrorBody {
  std::string code;
  std::string message;
};
S3ErrorBody ParseErrorBody(std::string_view document);

// The <Delete> request body for these keys (Quiet mode: only failures are reported).
std::string DeleteRequestXml(const std::vector<std::string>& keys);

// "2009-10-12T17:50:30.000Z" -> milliseconds since the epoch.
Result<int64_t> ParseIso8601Ms(std::string_view text);

}  // namespace sluice::storage
