#include "storage/s3_credentials.h"

#include <cstdlib>

namespace sluice::storage {

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

S3CredentialsProvider EnvironmentCredentials(EnvLookup env) {
  return [env = std::move(env)]() -> Result<SigV4Credentials> {
    SigV4Credentials out;
    auto id = env("AWS_ACCESS_KEY_ID");
    auto secret = env("AWS_SECRET_ACCESS_KEY");
    if (!id || id->empty()) {
      return Status::InvalidArgument("s3: AWS_ACCESS_KEY_ID is not set");
    }
    if (!secret || secret->empty()) {
      return Status::InvalidArgument("s3: AWS_SECRET_ACCESS_KEY is not set");
    }
    out.access_key_id = *id;
    out.secret_access_key = *secret;
    if (auto token = env("AWS_SESSION_TOKEN")) out.session_token = *token;
    return out;
  };
}

}  // namespace sluice::storage
