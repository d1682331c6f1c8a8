// OpenObjectStore: picks the back end named by the bucket URL.
#include "storage/object_store.h"

#include "storage/bucket_url.h"
#include "storage/file_object_store.h"
#include "storage/mem_object_store.h"
#include "storage/prefixed_object_store.h"
#include "storage/s3_config.h"
#include "storage/s3_credentials.h"
#include "storage/s3_object_store.h"

namespace sluice::storage {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     asio::any_io_executor blocking_executor) {
  SLUICE_ASSIGN_OR_RETURN(BucketUrl parsed, ParseBucketUrl(url));
  std::unique_ptr<ObjectStore> store;
  switch (parsed.scheme) {
    case BucketScheme::kMem:
      store = std::make_unique<MemObjectStore>(parsed.location);
      break;
    case BucketScheme::kFile: {
      SLUICE_ASSIGN_OR_RETURN(store,
                              FileObjectStore::Open(parsed.location, std::move(blocking_executor)));
      break;
    }
    case BucketScheme::kS3: {
      SLUICE_ASSIGN_OR_RETURN(S3Config config, S3ConfigFromBucketUrl(parsed));
      SLUICE_ASSIGN_OR_RETURN(
          store,
          S3ObjectStore::Open(std::move(config), EnvironmentCredentials(ProcessEnvironment())));
      break;
    }
  }
  if (!parsed.prefix.empty()) {
    store = std::make_unique<PrefixedObjectStore>(std::move(store), parsed.prefix);
  }
  return store;
}

}  // namespace sluice::storage
