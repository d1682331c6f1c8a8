// Random identifiers: topic ids (UUIDv4) and the cluster id (Kafka style: base64url of a UUID).
#pragma once

#include <string>

#include "metadata/metadata_store.h"

namespace sluice::metadata {

Uuid RandomUuidV4();
// 22 characters of URL-safe base64 without padding, like Kafka's cluster ids.
std::string UuidToBase64Url(const Uuid& uuid);

}  // namespace sluice::metadata
