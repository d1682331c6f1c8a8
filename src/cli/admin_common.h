// What every admin command shares: the connection flags, interspersed flag parsing, exit codes.
//
// Exit codes (docs/cli.md): 0 success; 1 the command ran but failed (Kafka error, unknown topic
// or group, unreachable agent, timeout); 2 the command line is wrong (unknown flag, bad value,
// missing argument, unknown subcommand).
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "client/kafka_client.h"
#include "common/status.h"

namespace sluice::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct ConnectionFlags {
  std::string bootstrap;
  std::string client_id;
  std::chrono::nanoseconds timeout{};
  bool json = false;
};

// -bootstrap, -clientID, -timeout, -json.
void AddConnectionFlags(FlagSet& flags, ConnectionFlags* out);
Result<client::KafkaClient> ConnectWith(const ConnectionFlags& flags);

// Splits arguments into flag arguments and positionals, so flags may follow positionals as in
// `topics create orders -partitions 3`. `bool_flags` never take the next argument as a value;
// after `--` everything is positional.
void SplitInterspersed(const std::vector<std::string>& args,
                       const std::set<std::string>& bool_flags, std::vector<std::string>* flag_args,
                       std::vector<std::string>* positional);

// Parses `args` for a command. Returns an exit code when the command should stop now: 0 after
// printing help (`usage` + the flags), 2 after printing a flag error.
std::optional<int> ParseCommandFlags(FlagSet& flags, const std::vector<std::string>& args,
                                     const std::set<std::string>& bool_flags,
                                     const std::string& usage,
                                     std::vector<std::string>* positional);

// Prints "sluice: <message>" on stderr and returns the exit code for it: 2 for InvalidArgument
// (a flag value found bad when used, e.g. -bootstrap or -bucketURL), else 1.
int Fail(const Status& status);
int UsageError(const std::string& message);

// Parses a repeatable "k=v" flag value into `out`.
Status AppendKeyValue(std::string_view text, std::vector<std::pair<std::string, std::string>>* out);

}  // namespace sluice::cli
