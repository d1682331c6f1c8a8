// JSON for the HTTP API: nlohmann::json (Debian's nlohmann-json3-dev), used without exceptions:
// parsing reports failure as nullopt and output replaces invalid UTF-8 instead of throwing.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::agent::http_api {

using Json = nlohmann::json;

// nullopt when `text` is not one complete JSON document.
std::optional<Json> ParseJson(std::string_view text);
// Compact text; invalid UTF-8 in strings becomes U+FFFD.
std::string DumpJson(const Json& value);

// An integer field that fits in int64 (JSON numbers with a fraction or out of range are not).
std::optional<int64_t> JsonInt(const Json& value);

}  // namespace sluice::agent::http_api
