// Parses and validates bucket URLs: mem://NAME, file:///abs/dir, file://relative/dir, s3://BUCKET.
// Query parameters (e.g. ?prefix=a/b) are decoded and checked against what each scheme accepts.
#pragma once

#include <map>
#include <string>

#include "common/status.h"

namespace sluice::storage {

enum class BucketScheme { kMem, kFile, kS3 };

struct BucketUrl {
  BucketScheme scheme = BucketScheme::kMem;
  // mem: the bucket name; file: the directory path (absolute or relative); s3: the bucket name.
  std::string location;
  // Key prefix inside the bucket from ?prefix=; no leading or trailing '/'.
  std::string prefix;
  // Every query parameter as given (decoded), including prefix.
  std::map<std::string, std::string> params;
};

// InvalidArgument naming the problem for malformed URLs. s3:// options other than prefix are
// checked by S3ConfigFromBucketUrl (storage/s3_config.h).
Result<BucketUrl> ParseBucketUrl(const std::string& url);

}  // namespace sluice::storage
