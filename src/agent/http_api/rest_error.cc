#include "agent/http_api/rest_error.h"

#include "agent/http_api/json.h"

namespace sluice::agent::http_api {

int RestError::http_status() const {
  int status = error_code;
  while (status >= 1000) status /= 10;
  return status >= 400 && status < 600 ? status : 500;
}

HttpResponse RestError::ToResponse() const {
  Json body = {{"error_code", error_code}, {"message", message}};
  return RestJson(http_status(), DumpJson(body));
}

HttpResponse RestErrorResponse(int error_code, std::string message) {
  return RestError{error_code, std::move(message)}.ToResponse();
}

HttpResponse RestJson(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

HttpResponse RestNoContent() {
  HttpResponse response;
  response.status = 204;
  response.content_type = "application/vnd.kafka.v2+json";
  return response;
}

}  // namespace sluice::agent::http_api
