// OpenMetadataStore: picks the back end named by the metadata URL.
#include "metadata/metadata_store.h"
#include "metadata/postgres_metadata_store.h"
#include "metadata/sqlite_metadata_store.h"

namespace sluice::metadata {

Result<std::unique_ptr<MetadataStore>> OpenMetadataStore(const std::string& url,
                                                         asio::any_io_executor /*unused*/) {
  // SQLite needs one dedicated thread (it owns it); PostgreSQL owns one thread per pooled
  // connection, so neither blocks the caller's executor.
  if (url.find('\0') != std::string::npos) {
    return Status::InvalidArgument("metadata URL contains NUL");
  }
  if (url == "sqlite::memory:") return SqliteMetadataStore::Open(":memory:");
  if (url.starts_with("sqlite://")) {
    std::string path = url.substr(9);  // "sqlite:///abs" -> "/abs", "sqlite://rel" -> "rel"
    if (path.empty() || path == "/") {
      return Status::InvalidArgument("metadata URL '" + url + "' names no database file");
    }
    if (path.find('?') != std::string::npos) {
      return Status::InvalidArgument("metadata URL '" + url + "': sqlite takes no parameters");
    }
    return SqliteMetadataStore::Open(path);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return PostgresMetadataStore::Open(url);
  }
  return Status::InvalidArgument("metadata URL '" + url +
                                 "' is not sqlite:///path/meta.db, sqlite://relative.db, "
                                 "sqlite::memory: or postgres://...");
}

}  // namespace sluice::metadata
