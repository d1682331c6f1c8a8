#include "storage/bucket_url.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "storage/object_key.h"

namespace sluice::storage {

namespace {

Status Invalid(const std::string& url, const std::string& why) {
  return Status::InvalidArgument("bad bucket URL '" + url + "': " + why);
}

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// Decodes %XX escapes and '+' (as Go's url.ParseQuery does, for WarpStream-style URLs).
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      auto hi = HexValue(in[i + 1]);
      auto lo = HexValue(in[i + 2]);
      if (!hi || !lo) return std::nullopt;
      out.push_back(static_cast<char>(*hi * 16 + *lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

Status ParseQuery(const std::string& url, std::string_view query,
                  std::map<std::string, std::string>& params) {
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return Invalid(url, "query parameter '" + std::string(pair) + "' has no '=value'");
    }
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(pair.substr(eq + 1));
    if (!name || !value) {
      return Invalid(url, "bad percent-escape in query parameter '" + std::string(pair) + "'");
    }
    if (name->empty()) return Invalid(url, "query parameter with an empty name");
    if (params.count(*name)) return Invalid(url, "query parameter '" + *name + "' given twice");
    params.emplace(std::move(*name), std::move(*value));
  }
  return Status::Ok();
}

bool IsBucketNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

Result<BucketUrl> ParseBucketUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return Invalid(url, "expected SCHEME://..., e.g. file:///var/lib/sluice/bucket or mem://test");
  }
  std::string scheme = url.substr(0, sep);
  std::string_view rest = std::string_view(url).substr(sep + 3);
  BucketUrl out;
  if (scheme == "mem") {
    out.scheme = BucketScheme::kMem;
  } else if (scheme == "file") {
    out.scheme = BucketScheme::kFile;
  } else if (scheme == "s3") {
    out.scheme = BucketScheme::kS3;
  } else {
    return Invalid(url, "unknown scheme '" + scheme + "' (expected mem, file or s3)");
  }
  if (rest.find('\0') != std::string_view::npos) return Invalid(url, "contains NUL");

  size_t question = rest.find('?');
  std::string_view location = rest.substr(0, question);
  if (question != std::string_view::npos) {
    SLUICE_RETURN_IF_ERROR(ParseQuery(url, rest.substr(question + 1), out.params));
  }
  if (location.empty())
    return Invalid(url, "missing " + std::string(scheme == "file" ? "directory" : "bucket name"));

  if (out.scheme == BucketScheme::kFile) {
    out.location = std::string(location);
  } else {
    for (char c : location) {
      if (!IsBucketNameChar(c)) {
        return Invalid(url, "bucket name '" + std::string(location) +
                                "' may only contain letters, digits, '-', '_' and '.'");
      }
    }
    out.location = std::string(location);
  }

  for (const auto& [name, value] : out.params) {
    if (name == "prefix") {
      std::string_view p = value;
      while (!p.empty() && p.front() == '/') p.remove_prefix(1);
      while (!p.empty() && p.back() == '/') p.remove_suffix(1);
      if (!p.empty()) {
        Status st = ValidateObjectKey(p);
        if (!st.ok()) return Invalid(url, "prefix: " + st.message());
      }
      out.prefix = std::string(p);
    } else if (out.scheme != BucketScheme::kS3) {
      // S3 options (region, endpoint, ...) are checked by the S3 back end; the others take none.
      return Invalid(url, "unknown query parameter '" + name + "' for " + scheme + "://");
    }
  }
  return out;
}

}  // namespace sluice::storage
