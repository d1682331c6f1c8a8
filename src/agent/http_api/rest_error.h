// Errors in the Confluent REST Proxy v2 shape: {"error_code": <int>, "message": "..."} with a
// matching HTTP status. error_code is the HTTP status, or status * 100 + a sub-code for the
// errors REST Proxy clients know by number (docs/http-api.md lists them all).
#pragma once

#include <string>

#include "network/http_server.h"

namespace sluice::agent::http_api {

namespace rest_code {
inline constexpr int kBadRequest = 400;  // malformed JSON, bad query parameter
inline constexpr int kNotFound = 404;    // unknown path
inline constexpr int kTopicNotFound = 40401;
inline constexpr int kPartitionNotFound = 40402;
inline constexpr int kConsumerNotFound = 40403;
inline constexpr int kNotAcceptable = 406;  // Accept names no format we answer in
inline constexpr int kConsumerFormatMismatch = 40601;
inline constexpr int kConsumerAlreadyExists = 40902;
inline constexpr int kIllegalState = 40903;        // e.g. polling before subscribing
inline constexpr int kUnsupportedMediaType = 415;  // Content-Type we do not read
inline constexpr int kRoleRefused = 42101;         // 421: this agent's roles exclude the request
inline constexpr int kInvalidRecords = 42201;      // bad base64, wrong types, too large
inline constexpr int kInvalidOffset = 42202;       // offset outside [log start, high watermark]
inline constexpr int kNotJson = 42203;             // stored bytes are not JSON (json format)
inline constexpr int kInvalidConsumerConfig = 42204;
inline constexpr int kKafkaError = 50002;      // storage or commit failed
inline constexpr int kKafkaRetriable = 50003;  // try again (store unavailable, timeout)
}  // namespace rest_code

struct RestError {
  int error_code = rest_code::kBadRequest;
  std::string message;

  // The HTTP status: the first three digits of error_code.
  int http_status() const;
  HttpResponse ToResponse() const;
};

// Shortcuts for handlers.
HttpResponse RestErrorResponse(int error_code, std::string message);
// A JSON body with the given media type (REST Proxy answers in vnd.kafka types).
HttpResponse RestJson(int status, std::string body,
                      std::string content_type = "application/vnd.kafka.v2+json");
HttpResponse RestNoContent();

}  // namespace sluice::agent::http_api
