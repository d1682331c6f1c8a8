// Where S3 credentials come from. The environment is read through an injectable lookup so tests
// (and later other sources, e.g. instance metadata) never touch the process environment.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "storage/s3_sigv4.h"

namespace sluice::storage {

// Returns the value of an environment variable, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// Called before every request, so rotated credentials are picked up.
using S3CredentialsProvider = std::function<Result<SigV4Credentials>()>;

// The real process environment.
EnvLookup ProcessEnvironment();

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and (optional) AWS_SESSION_TOKEN; InvalidArgument naming
// the missing variable otherwise.
S3CredentialsProvider EnvironmentCredentials(EnvLookup env);

}  // namespace sluice::storage
