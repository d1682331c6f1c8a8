// Command-line flags in the style of Go's `flag` package, plus environment variables.
//
// Syntax: `-name value`, `-name=value`, `--name value`, `--name=value`. A boolean flag alone means
// true and never consumes the next argument (`-name=false` turns it off), as in Go. Parsing stops
// at
// `--` or at the first argument that is not a flag; the rest are positional(). `-h`, `-help` and
// `--help` set help_requested() instead of failing; Usage() lists every flag.
//
// Every flag can also be set from the environment: `SLUICE_<NAME>` and `WARPSTREAM_<NAME>`, where
// NAME is the flag name converted from camelCase to UPPER_SNAKE (bucketURL -> BUCKET_URL), plus any
// aliases added with AddEnvAlias (the alias gets both prefixes too). Precedence: command line >
// SLUICE_* > WARPSTREAM_* > default; among names with the same prefix, the flag's own name comes
// before its aliases. Empty environment values count as unset.
//
// The environment is read through the Env interface so that tests (and embedders) inject a map.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::cli {

class Env {
 public:
  virtual ~Env() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
};

// The process environment (getenv).
class ProcessEnv : public Env {
 public:
  std::optional<std::string> Get(const std::string& name) const override;
};

// A fixed map, for tests.
class MapEnv : public Env {
 public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  MapEnv(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}
  std::optional<std::string> Get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> vars_;
};

// Where a flag's value came from.
enum class FlagSource { kDefault, kEnv, kCommandLine };

class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Each registration stores the default into *target at once and overwrites it while parsing.
  // Targets must outlive Parse(). `default_text` (optional) replaces the default in Usage(), for
  // defaults computed after parsing (e.g. "file://<dataDir>/bucket").
  void String(std::string name, std::string* target, std::string def, std::string help,
              std::string default_text = "");
  void Int64(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
             std::string help);
  void Bool(std::string name, bool* target, bool def, std::string help);
  // Go duration syntax: "250ms", "1.5s", "1h30m", "100us"; must lie within [min, max].
  void Duration(std::string name, std::chrono::nanoseconds* target, std::chrono::nanoseconds def,
                std::chrono::nanoseconds min, std::chrono::nanoseconds max, std::string help);
  // A byte count: a plain integer, or with a unit B, KB/MB/GB/TB (powers of 1000) or
  // KiB/MiB/GiB/TiB (powers of 1024); must lie within [min, max].
  void Bytes(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
             std::string help);
  // A flag of any other type: `set` parses and stores a value, and on a bad one returns an error
  // saying what is valid (the flag set adds the flag's name and where the value came from).
  // The caller stores the default itself; `default_text` shows it in Usage().
  void Custom(std::string name, std::string type, std::string default_text, std::string help,
              std::function<Status(std::string_view)> set);
  // Also read flag `name` from SLUICE_<alias> and WARPSTREAM_<alias>.
  void AddEnvAlias(const std::string& name, std::string alias);

  // Applies the environment, then the arguments (without the program name). An unknown flag, a
  // missing value or a bad value gives InvalidArgument naming the flag and what is valid.
  Status Parse(const std::vector<std::string>& args, const Env& env);

  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }
  FlagSource source(const std::string& name) const;
  bool IsSet(const std::string& name) const { return source(name) != FlagSource::kDefault; }
  // Every flag, sorted by name, with its type, default, environment names and description.
  std::string Usage() const;

  // The environment names of a flag, in precedence order.
  std::vector<std::string> EnvNames(const std::string& name) const;

 private:
  struct Flag {
    std::string name;
    std::string type;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::vector<std::string> env_aliases;
    // Parses and stores a value; the error says what is valid (without naming the flag).
    std::function<Status(std::string_view)> set;
    FlagSource source = FlagSource::kDefault;
  };
  Flag& Add(std::string name, std::string type, std::string help, std::string default_text,
            std::function<Status(std::string_view)> set);
  Status ApplyEnv(const Env& env);

  std::string program_;
  std::map<std::string, Flag> flags_;
  bool help_requested_ = false;
  std::vector<std::string> positional_;
};

// camelCase -> UPPER_SNAKE: bucketURL -> BUCKET_URL, defaultVirtualClusterID ->
// DEFAULT_VIRTUAL_CLUSTER_ID, kafkaPort -> KAFKA_PORT.
std::string ToUpperSnake(std::string_view camel);

// Value parsers, exposed for tests and reuse. Errors describe the valid syntax.
Result<int64_t> ParseInt64(std::string_view s);
Result<bool> ParseBool(std::string_view s);
Result<std::chrono::nanoseconds> ParseDuration(std::string_view s);
Result<int64_t> ParseByteSize(std::string_view s);
// Go-style rendering: 250ms, 1.5s, 1h0m0s.
std::string FormatDuration(std::chrono::nanoseconds d);
// 8388608 -> "8MiB"; values that are not a whole number of a binary unit stay in bytes.
std::string FormatByteSize(int64_t bytes);

}  // namespace sluice::cli
