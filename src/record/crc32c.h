// CRC-32C (Castagnoli), the checksum of Kafka record batches and of Sluice segment footers.
#pragma once

#include <cstdint>

#include "common/bytes.h"

namespace sluice {

// CRC-32C of `data`, using the SSE4.2 crc32 instruction when the CPU has it.
uint32_t Crc32c(ByteView data);

// Continues a CRC-32C: Crc32cExtend(Crc32c(a), b) == Crc32c(a ++ b).
uint32_t Crc32cExtend(uint32_t crc, ByteView data);

// The two implementations, exposed so tests can check that they agree.
uint32_t Crc32cExtendSoftware(uint32_t crc, ByteView data);
uint32_t Crc32cExtendHardware(uint32_t crc, ByteView data);  // only call when available
bool Crc32cHardwareAvailable();

}  // namespace sluice
