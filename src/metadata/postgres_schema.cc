#include "metadata/postgres_schema.h"

#include <cctype>

#include "metadata/schema.h"

namespace sluice::metadata {

namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Replaces the whole word BLOB (a column type; it names no table or column) with BYTEA.
std::string BlobToBytea(const std::string& sql) {
  static constexpr std::string_view kBlob = "BLOB";
  std::string out;
  out.reserve(sql.size() + 16);
  for (size_t i = 0; i < sql.size();) {
    const bool word_start = i == 0 || !IsWordChar(sql[i - 1]);
    const bool word_end = i + kBlob.size() >= sql.size() || !IsWordChar(sql[i + kBlob.size()]);
    if (word_start && sql.compare(i, kBlob.size(), kBlob) == 0 && word_end) {
      out += "BYTEA";
      i += kBlob.size();
    } else {
      out.push_back(sql[i++]);
    }
  }
  return out;
}

}  // namespace

std::vector<PostgresMigration> PostgresSchemaMigrations() {
  std::vector<PostgresMigration> out;
  for (const Migration& m : SchemaMigrations()) {
    out.push_back({m.version, m.name, BlobToBytea(m.sql)});
  }
  return out;
}

}  // namespace sluice::metadata
