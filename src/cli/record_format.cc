#include "cli/record_format.h"

namespace sluice::cli {

namespace {

std::string Text(const std::optional<Bytes>& b) {
  return b ? std::string(b->begin(), b->end()) : std::string();
}

}  // namespace

Status ValidateRecordFormat(const std::string& format) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 >= format.size() ||
        std::string("tpokvhT%").find(format[i + 1]) == std::string::npos) {
      return Status::InvalidArgument("bad -format \"" + format +
                                     "\": use %t %p %o %k %v %h %T or %%");
    }
    ++i;
  }
  return Status::Ok();
}

std::string FormatRecord(const std::string& format, const std::string& topic, int32_t partition,
                         const Record& record) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '\\' && i + 1 < format.size() && (format[i + 1] == 'n' || format[i + 1] == 't')) {
      out += format[++i] == 'n' ? '\n' : '\t';
      continue;
    }
    if (c != '%' || i + 1 >= format.size()) {
      out += c;
      continue;
    }
    switch (format[++i]) {
      case 't':
        out += topic;
        break;
      case 'p':
        out += std::to_string(partition);
        break;
      case 'o':
        out += std::to_string(record.offset);
        break;
      case 'k':
        out += Text(record.key);
        break;
      case 'v':
        out += Text(record.value);
        break;
      case 'T':
        out += std::to_string(record.timestamp);
        break;
      case 'h':
        for (size_t h = 0; h < record.headers.size(); ++h) {
          if (h > 0) out += ',';
          out += record.headers[h].key + "=" + Text(record.headers[h].value);
        }
        break;
      default:
        out += format[i];
    }
  }
  return out;
}

}  // namespace sluice::cli
