#include "storage/s3_config.h"

#include <charconv>

#include "storage/s3_sigv4.h"

namespace sluice::storage {

namespace {

Status Invalid(const std::string& why) { return Status::InvalidArgument("s3 bucket URL: " + why); }

Status ParseEndpoint(const std::string& endpoint, S3Config& config) {
  std::string_view rest = endpoint;
  if (rest.starts_with("http://")) {
    config.tls = false;
    config.port = 80;
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    config.tls = true;
    config.port = 443;
    rest.remove_prefix(8);
  } else {
    return Invalid("endpoint '" + endpoint + "' must start with http:// or https://");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return Invalid("endpoint '" + endpoint + "' must be scheme://host[:port] without a path");
  }
  std::string_view host = rest;
  size_t colon = rest.rfind(':');
  bool bracketed = rest.starts_with("[");
  if (colon != std::string_view::npos && (!bracketed || rest.find(']') < colon)) {
    host = rest.substr(0, colon);
    std::string_view port_text = rest.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return Invalid("endpoint '" + endpoint + "' has a bad port");
    }
    config.port = static_cast<uint16_t>(port);
  }
  if (bracketed) {
    if (!host.ends_with("]")) return Invalid("endpoint '" + endpoint + "' has a bad IPv6 host");
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return Invalid("endpoint '" + endpoint + "' has no host");
  config.host = std::string(host);
  return Status::Ok();
}

}  // namespace

std::string S3Config::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string S3Config::PathFor(const std::string& key) const {
  std::string path = path_style ? "/" + UriEncode(bucket, true) : "";
  return path + "/" + UriEncode(key, false);
}

std::string S3Config::Describe() const {
  return "s3://" + bucket + " (" + (tls ? "https://" : "http://") + HostHeader() +
         (path_style ? ", path style)" : ")");
}

Result<S3Config> S3ConfigFromBucketUrl(const BucketUrl& url) {
  S3Config config;
  config.bucket = url.location;
  bool has_endpoint = false;
  std::string force_path_style;
  for (const auto& [name, value] : url.params) {
    if (name == "prefix") continue;  // applied by PrefixedObjectStore
    if (name == "region") {
      if (value.empty() ||
          value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        return Invalid("region '" + value + "' is not a region name");
      }
      config.region = value;
    } else if (name == "endpoint") {
      SLUICE_RETURN_IF_ERROR(ParseEndpoint(value, config));
      has_endpoint = true;
    } else if (name == "s3ForcePathStyle") {
      if (value != "true" && value != "false") {
        return Invalid("s3ForcePathStyle must be true or false, got '" + value + "'");
      }
      force_path_style = value;
    } else {
      return Invalid("unknown query parameter '" + name +
                     "' (expected region, endpoint, s3ForcePathStyle, prefix)");
    }
  }
  config.path_style = has_endpoint || force_path_style == "true";
  if (!has_endpoint) {
    config.tls = true;
    config.port = 443;
    config.host = config.path_style ? "s3." + config.region + ".amazonaws.com"
                                    : config.bucket + ".s3." + config.region + ".amazonaws.com";
  }
  return config;
}

}  // namespace sluice::storage
