// AWS Signature Version 4 for S3 requests (header-based, single-chunk payload): the canonical
// request, the string to sign and the Authorization header. Pure functions, so they can be checked
// against AWS's published examples and against botocore.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"

namespace sluice::storage {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

struct SigV4Request {
  std::string method;           // "GET", "PUT", ...
  std::string canonical_uri;    // the URI-encoded path as sent, e.g. "/bucket/a%20b"
  std::string canonical_query;  // from CanonicalQueryString()
  // Every header here is signed. Names in any case; values are trimmed when canonicalised.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // also sent as x-amz-content-sha256
};

// Lower-case hex of SHA-256 / raw HMAC-SHA256 / base64 of MD5 (for Content-MD5).
std::string Sha256Hex(ByteView data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Md5Base64(ByteView data);

// RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX
// (upper-case hex); '/' stays when encode_slash is false (object key paths).
std::string UriEncode(std::string_view in, bool encode_slash);

// Encodes names and values and sorts by name: "a=1&list-type=2&prefix=x%2Fy".
std::string CanonicalQueryString(std::vector<std::pair<std::string, std::string>> params);

// "20130524T000000Z" for the given time (UTC).
std::string AmzDate(std::chrono::system_clock::time_point when);

std::string SigV4CanonicalRequest(const SigV4Request& request);
std::string SigV4StringToSign(const SigV4Request& request, std::string_view amz_date,
                              std::string_view region, std::string_view service);

// The value of the Authorization header. `amz_date` must equal the x-amz-date header value.
std::string SigV4Authorization(const SigV4Request& request, const SigV4Credentials& credentials,
                               std::string_view amz_date, std::string_view region,
                               std::string_view service = "s3");

}  // namespace sluice::storage
