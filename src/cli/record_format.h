// How `sluice consume` prints one record: a format string with kcat-like placeholders.
#pragma once

#include <string>

#include "common/status.h"
#include "record/record_batch.h"

namespace sluice::cli {

// %t topic, %p partition, %o offset, %k key, %v value, %h headers (k=v,k=v), %T timestamp (ms),
// %% a percent sign; \n and \t escapes. A null key or value prints as nothing.
Status ValidateRecordFormat(const std::string& format);
std::string FormatRecord(const std::string& format, const std::string& topic, int32_t partition,
                         const Record& record);

}  // namespace sluice::cli
