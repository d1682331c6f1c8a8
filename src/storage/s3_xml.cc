#include "storage/s3_xml.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace sluice::storage {

namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxElements = 200000;

Status Bad(const std::string& why) { return Status::Corruption("malformed S3 XML: " + why); }

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes character data with its entity references.
Status DecodeText(std::string_view in, std::string& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Bad("control character " + std::to_string(c) + " in text");
    }
    if (in[i] != '&') {
      out.push_back(in[i]);
      continue;
    }
    size_t semi = in.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return Bad("unterminated entity");
    std::string_view ref = in.substr(i + 1, semi - i - 1);
    if (ref == "lt") {
      out.push_back('<');
    } else if (ref == "gt") {
      out.push_back('>');
    } else if (ref == "amp") {
      out.push_back('&');
    } else if (ref == "quot") {
      out.push_back('"');
    } else if (ref == "apos") {
      out.push_back('\'');
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return Bad("bad character reference '&" + std::string(ref) + ";'");
      }
      AppendUtf8(cp, out);
    } else {
      return Bad("unknown entity '&" + std::string(ref) + ";'");
    }
    i = semi;
  }
  return Status::Ok();
}

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  Result<XmlElement> Document() {
    SLUICE_RETURN_IF_ERROR(SkipMisc());
    if (pos_ >= doc_.size() || doc_[pos_] != '<') return Bad("no root element");
    XmlElement root;
    SLUICE_RETURN_IF_ERROR(Element(root, 1));
    SLUICE_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != doc_.size()) return Bad("content after the root element");
    return root;
  }

 private:
  bool StartsWith(std::string_view s) const { return doc_.substr(pos_).starts_with(s); }

  void SkipSpace() {
    while (pos_ < doc_.size() && std::isspace(static_cast<unsigned char>(doc_[pos_]))) ++pos_;
  }

  Status SkipPast(std::string_view terminator) {
    size_t end = doc_.find(terminator, pos_);
    if (end == std::string_view::npos) return Bad("missing '" + std::string(terminator) + "'");
    pos_ = end + terminator.size();
    return Status::Ok();
  }

  // Whitespace, the XML declaration, processing instructions and comments.
  Status SkipMisc() {
    while (true) {
      SkipSpace();
      if (StartsWith("<?")) {
        SLUICE_RETURN_IF_ERROR(SkipPast("?>"));
      } else if (StartsWith("<!--")) {
        SLUICE_RETURN_IF_ERROR(SkipPast("-->"));
      } else if (StartsWith("<!")) {
        return Bad("DOCTYPE and declarations are not accepted");
      } else {
        return Status::Ok();
      }
    }
  }

  Result<std::string> Name() {
    size_t start = pos_;
    while (pos_ < doc_.size() && IsNameChar(doc_[pos_])) ++pos_;
    if (pos_ == start) return Bad("expected a name at byte " + std::to_string(start));
    std::string_view name = doc_.substr(start, pos_ - start);
    size_t colon = name.rfind(':');
    if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
    return std::string(name);
  }

  Status Attributes() {
    while (true) {
      SkipSpace();
      if (pos_ >= doc_.size()) return Bad("unterminated tag");
      if (doc_[pos_] == '>' || doc_[pos_] == '/') return Status::Ok();
      SLUICE_ASSIGN_OR_RETURN(std::string name, Name());
      (void)name;
      SkipSpace();
      if (pos_ >= doc_.size() || doc_[pos_] != '=') return Bad("attribute without '='");
      ++pos_;
      SkipSpace();
      if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Bad("unquoted attribute value");
      }
      char quote = doc_[pos_++];
      size_t end = doc_.find(quote, pos_);
      if (end == std::string_view::npos) return Bad("unterminated attribute value");
      pos_ = end + 1;
    }
  }

  Status Element(XmlElement& out, int depth) {
    if (depth > kMaxDepth) return Bad("nested deeper than " + std::to_string(kMaxDepth));
    if (++elements_ > kMaxElements) return Bad("too many elements");
    ++pos_;  // '<'
    SLUICE_ASSIGN_OR_RETURN(out.name, Name());
    SLUICE_RETURN_IF_ERROR(Attributes());
    if (doc_[pos_] == '/') {
      if (!StartsWith("/>")) return Bad("bad empty-element tag");
      pos_ += 2;
      return Status::Ok();
    }
    ++pos_;  // '>'
    while (true) {
      size_t lt = doc_.find('<', pos_);
      if (lt == std::string_view::npos) return Bad("element <" + out.name + "> is not closed");
      SLUICE_RETURN_IF_ERROR(DecodeText(doc_.substr(pos_, lt - pos_), out.text));
      pos_ = lt;
      if (StartsWith("</")) {
        pos_ += 2;
        SLUICE_ASSIGN_OR_RETURN(std::string name, Name());
        SkipSpace();
        if (name != out.name) return Bad("</" + name + "> closes <" + out.name + ">");
        if (pos_ >= doc_.size() || doc_[pos_] != '>') return Bad("bad end tag");
        ++pos_;
        return Status::Ok();
      }
      if (StartsWith("<!--")) {
        SLUICE_RETURN_IF_ERROR(SkipPast("-->"));
      } else if (StartsWith("<![CDATA[")) {
        pos_ += 9;
        size_t end = doc_.find("]]>", pos_);
        if (end == std::string_view::npos) return Bad("unterminated CDATA");
        out.text.append(doc_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (StartsWith("<?")) {
        SLUICE_RETURN_IF_ERROR(SkipPast("?>"));
      } else if (StartsWith("<!")) {
        return Bad("declarations are not accepted inside elements");
      } else {
        out.children.emplace_back();
        SLUICE_RETURN_IF_ERROR(Element(out.children.back(), depth + 1));
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

std::string ChildText(const XmlElement& e, std::string_view name) {
  const XmlElement* child = e.Child(name);
  return child ? child->text : std::string();
}

void EscapeXml(std::string_view in, std::string& out) {
  for (char c : in) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "&#" + std::to_string(static_cast<unsigned char>(c)) + ";";
        } else {
          out.push_back(c);
        }
    }
  }
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const auto& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

Result<XmlElement> ParseXml(std::string_view document) { return Parser(document).Document(); }

Result<int64_t> ParseIso8601Ms(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Bad("bad timestamp '" + copy + "'");
  }
  int64_t millis = 0;
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  if (rest.starts_with(".")) {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
      if (digits < 3) millis = millis * 10 + (rest[0] - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return Bad("bad timestamp '" + copy + "'");
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (rest != "Z") return Bad("timestamp '" + copy + "' is not UTC");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

Result<S3ListResult> ParseListObjectsV2(std::string_view document) {
  SLUICE_ASSIGN_OR_RETURN(XmlElement root, ParseXml(document));
  if (root.name != "ListBucketResult")
    return Bad("expected <ListBucketResult>, got <" + root.name + ">");
  S3ListResult out;
  std::string truncated = ChildText(root, "IsTruncated");
  if (truncated != "true" && truncated != "false" && !truncated.empty()) {
    return Bad("IsTruncated is '" + truncated + "'");
  }
  out.is_truncated = truncated == "true";
  out.next_continuation_token = ChildText(root, "NextContinuationToken");
  for (const auto& child : root.children) {
    if (child.name != "Contents") continue;
    const XmlElement* key = child.Child("Key");
    const XmlElement* size = child.Child("Size");
    if (key == nullptr || key->text.empty() || size == nullptr) {
      return Bad("<Contents> without Key or Size");
    }
    ObjectInfo info;
    info.key = key->text;
    auto [end, ec] =
        std::from_chars(size->text.data(), size->text.data() + size->text.size(), info.size);
    if (ec != std::errc() || end != size->text.data() + size->text.size()) {
      return Bad("bad Size '" + size->text + "' for key '" + info.key + "'");
    }
    if (const XmlElement* modified = child.Child("LastModified")) {
      SLUICE_ASSIGN_OR_RETURN(info.last_modified_ms, ParseIso8601Ms(modified->text));
    }
    out.objects.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<S3DeleteError>> ParseDeleteResult(std::string_view document) {
  SLUICE_ASSIGN_OR_RETURN(XmlElement root, ParseXml(document));
  if (root.name != "DeleteResult") return Bad("expected <DeleteResult>, got <" + root.name + ">");
  std::vector<S3DeleteError> out;
  for (const auto& child : root.children) {
    if (child.name != "Error") continue;
    out.push_back({ChildText(child, "Key"), ChildText(child, "Code"), ChildText(child, "Message")});
  }
  return out;
}

S3ErrorBody ParseErrorBody(std::string_view document) {
  auto root = ParseXml(document);
  if (!root.ok() || root->name != "Error") return {};
  return {ChildText(*root, "Code"), ChildText(*root, "Message")};
}

std::string DeleteRequestXml(const std::vector<std::string>& keys) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete><Quiet>true</Quiet>";
  for (const auto& key : keys) {
    out += "<Object><Key>";
    EscapeXml(key, out);
    out += "</Key></Object>";
  }
  out += "</Delete>";
  return out;
}

}  // namespace sluice::storage
