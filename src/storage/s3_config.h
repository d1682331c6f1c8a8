// The S3 back end's settings, taken from an s3:// bucket URL:
//   s3://BUCKET?region=R&endpoint=http://host:port&s3ForcePathStyle=true&prefix=p/
// Without an endpoint the bucket is reached virtual-hosted style over HTTPS at
// BUCKET.s3.R.amazonaws.com; with an endpoint, or s3ForcePathStyle=true, requests go to
// HOST/BUCKET/KEY (path style).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "storage/bucket_url.h"

namespace sluice::storage {

struct S3Config {
  std::string bucket;
  std::string region = "us-east-1";
  bool tls = true;
  std::string host;     // connect to this host ...
  uint16_t port = 443;  // ... on this port
  bool path_style = false;

  // The Host header value ("host" or "host:port" when the port is not the scheme's default).
  std::string HostHeader() const;
  // The URI-encoded request path of a key ("" for the bucket itself).
  std::string PathFor(const std::string& key) const;
  // "s3://bucket (http://127.0.0.1:4568, path style)" for logs.
  std::string Describe() const;
};

// InvalidArgument for unknown parameters, a malformed endpoint or s3ForcePathStyle value.
Result<S3Config> S3ConfigFromBucketUrl(const BucketUrl& url);

}  // namespace sluice::storage
