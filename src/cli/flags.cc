#include "cli/flags.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace sluice::cli {

namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool MulOverflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }

}  // namespace

std::optional<std::string> ProcessEnv::Get(const std::string& name) const {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> MapEnv::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::string ToUpperSnake(std::string_view camel) {
  std::string out;
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto is_lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < camel.size(); ++i) {
    char c = camel[i];
    if (is_upper(c) && i > 0) {
      bool after_lower = is_lower_or_digit(camel[i - 1]);
      // The last capital of an acronym starts a new word: "URLPath" -> "URL_PATH".
      bool ends_acronym = is_upper(camel[i - 1]) && i + 1 < camel.size() && camel[i + 1] >= 'a' &&
                          camel[i + 1] <= 'z';
      if (after_lower || ends_acronym) out += '_';
    }
    if (c == '-' || c == '.') {
      out += '_';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

Result<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  std::string_view digits = s;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
    return Status::InvalidArgument("not a 64-bit integer: " + Quote(s));
  }
  return v;
}

Result<bool> ParseBool(std::string_view s) {
  // The spellings Go's strconv.ParseBool accepts.
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") {
    return false;
  }
  return Status::InvalidArgument("not a boolean: " + Quote(s) + " (use true or false)");
}

Result<std::chrono::nanoseconds> ParseDuration(std::string_view input) {
  auto bad = [&] {
    return Status::InvalidArgument("not a duration: " + Quote(input) +
                                   " (use a number with a unit ns, us, ms, s, m or h, e.g. 250ms, "
                                   "1.5s, 1m30s)");
  };
  std::string_view s = input;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad();
  static constexpr struct {
    std::string_view name;
    int64_t nanos;
  } kUnits[] = {
      {"ns", 1},           {"us", 1000},      {"\xc2\xb5s", 1000},  // U+00B5 micro sign
      {"\xce\xbcs", 1000},                                          // U+03BC Greek mu
      {"ms", 1000000},     {"s", 1000000000}, {"m", 60LL * 1000000000}, {"h", 3600LL * 1000000000}};
  int64_t total = 0;
  while (!s.empty()) {
    // Integer part, optional fraction.
    size_t i = 0;
    int64_t whole = 0;
    bool any_digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (MulOverflows(whole, 10, &whole) || __builtin_add_overflow(whole, s[i] - '0', &whole)) {
        return bad();
      }
      any_digits = true;
      ++i;
    }
    int64_t frac = 0;
    int64_t frac_scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        any_digits = true;
        if (frac_scale < 1000000000000000000LL) {  // extra digits beyond 1e-18 are dropped
          frac = frac * 10 + (s[i] - '0');
          frac_scale *= 10;
        }
        ++i;
      }
    }
    if (!any_digits) return bad();
    size_t unit_start = i;
    while (i < s.size() && s[i] != '.' && !std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    int64_t unit_nanos = 0;
    for (const auto& u : kUnits) {
      if (u.name == unit) unit_nanos = u.nanos;
    }
    if (unit_nanos == 0) return bad();
    int64_t part = 0;
    if (MulOverflows(whole, unit_nanos, &part)) return bad();
    // Fraction: frac / frac_scale units, computed in long double (exact enough below 1ns).
    part += static_cast<int64_t>(static_cast<long double>(frac) * unit_nanos / frac_scale);
    if (__builtin_add_overflow(total, part, &total)) return bad();
    s.remove_prefix(i);
  }
  return std::chrono::nanoseconds(negative ? -total : total);
}

Result<int64_t> ParseByteSize(std::string_view input) {
  auto bad = [&] {
    return Status::InvalidArgument("not a byte size: " + Quote(input) +
                                   " (use an integer number of bytes, optionally with a unit B, "
                                   "KB, MB, GB, TB, KiB, MiB, GiB or TiB, e.g. 8MiB)");
  };
  size_t i = 0;
  while (i < input.size() && std::isdigit(static_cast<unsigned char>(input[i]))) ++i;
  if (i == 0) return bad();
  auto number = ParseInt64(input.substr(0, i));
  if (!number.ok()) return bad();
  std::string unit = Lower(input.substr(i));
  static constexpr struct {
    std::string_view name;
    int64_t factor;
  } kUnits[] = {{"", 1},
                {"b", 1},
                {"kb", 1000},
                {"mb", 1000 * 1000},
                {"gb", 1000LL * 1000 * 1000},
                {"tb", 1000LL * 1000 * 1000 * 1000},
                {"kib", 1LL << 10},
                {"mib", 1LL << 20},
                {"gib", 1LL << 30},
                {"tib", 1LL << 40}};
  for (const auto& u : kUnits) {
    if (u.name == unit) {
      int64_t out = 0;
      if (MulOverflows(*number, u.factor, &out)) return bad();
      return out;
    }
  }
  return bad();
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  uint64_t u = n < 0 ? -static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  auto with_fraction = [](uint64_t v, uint64_t scale) {
    std::string out = std::to_string(v / scale);
    uint64_t rem = v % scale;
    if (rem != 0) {
      std::string frac = std::to_string(rem + scale).substr(1);  // zero-padded
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      out += "." + frac;
    }
    return out;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + with_fraction(u, 1000) + "us";
  if (u < 1000000000) return sign + with_fraction(u, 1000000) + "ms";
  // Like Go: 1h2m3.5s, always with the seconds.
  uint64_t secs_nanos = u % 60000000000ULL;
  uint64_t minutes = u / 60000000000ULL;
  std::string out = sign;
  if (minutes >= 60) out += std::to_string(minutes / 60) + "h";
  if (minutes > 0) out += std::to_string(minutes % 60) + "m";
  return out + with_fraction(secs_nanos, 1000000000) + "s";
}

std::string FormatByteSize(int64_t bytes) {
  static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
      {1LL << 40, "TiB"}, {1LL << 30, "GiB"}, {1LL << 20, "MiB"}, {1LL << 10, "KiB"}};
  if (bytes > 0) {
    for (const auto& [factor, name] : kUnits) {
      if (bytes % factor == 0) return std::to_string(bytes / factor) + std::string(name);
    }
  }
  return std::to_string(bytes);
}

FlagSet::Flag& FlagSet::Add(std::string name, std::string type, std::string help,
                            std::string default_text, std::function<Status(std::string_view)> set) {
  Flag& f = flags_[name];
  f.name = std::move(name);
  f.type = std::move(type);
  f.help = std::move(help);
  f.default_text = std::move(default_text);
  f.set = std::move(set);
  return f;
}

void FlagSet::String(std::string name, std::string* target, std::string def, std::string help,
                     std::string default_text) {
  *target = def;
  if (default_text.empty()) default_text = Quote(def);
  Add(std::move(name), "string", std::move(help), std::move(default_text),
      [target](std::string_view v) {
        *target = std::string(v);
        return Status::Ok();
      });
}

void FlagSet::Int64(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
                    std::string help) {
  *target = def;
  Add(std::move(name), "int", std::move(help), std::to_string(def),
      [target, min, max](std::string_view v) -> Status {
        auto parsed = ParseInt64(v);
        if (!parsed.ok() || *parsed < min || *parsed > max) {
          return Status::InvalidArgument(Quote(v) + " is not valid: must be an integer from " +
                                         std::to_string(min) + " to " + std::to_string(max));
        }
        *target = *parsed;
        return Status::Ok();
      });
}

void FlagSet::Bool(std::string name, bool* target, bool def, std::string help) {
  *target = def;
  Flag& f =
      Add(std::move(name), "bool", std::move(help), def ? "true" : "false",
          [target](std::string_view v) -> Status {
            auto parsed = ParseBool(v);
            if (!parsed.ok()) {
              return Status::InvalidArgument(Quote(v) + " is not valid: must be true or false");
            }
            *target = *parsed;
            return Status::Ok();
          });
  f.is_bool = true;
}

void FlagSet::Duration(std::string name, std::chrono::nanoseconds* target,
                       std::chrono::nanoseconds def, std::chrono::nanoseconds min,
                       std::chrono::nanoseconds max, std::string help) {
  *target = def;
  Add(std::move(name), "duration", std::move(help), FormatDuration(def),
      [target, min, max](std::string_view v) -> Status {
        auto parsed = ParseDuration(v);
        std::string range = "from " + FormatDuration(min) + " to " + FormatDuration(max);
        if (!parsed.ok()) {
          return Status::InvalidArgument(Quote(v) +
                                         " is not valid: must be a duration like 250ms, 1.5s or "
                                         "1m, " +
                                         range);
        }
        if (*parsed < min || *parsed > max) {
          return Status::InvalidArgument(Quote(v) + " is out of range: must be " + range);
        }
        *target = *parsed;
        return Status::Ok();
      });
}

void FlagSet::Bytes(std::string name, int64_t* target, int64_t def, int64_t min, int64_t max,
                    std::string help) {
  *target = def;
  Add(std::move(name), "bytes", std::move(help), FormatByteSize(def),
      [target, min, max](std::string_view v) -> Status {
        auto parsed = ParseByteSize(v);
        std::string range = "from " + FormatByteSize(min) + " to " + FormatByteSize(max);
        if (!parsed.ok()) {
          return Status::InvalidArgument(Quote(v) +
                                         " is not valid: must be a byte count like 1048576 or "
                                         "8MiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), " +
                                         range);
        }
        if (*parsed < min || *parsed > max) {
          return Status::InvalidArgument(Quote(v) + " is out of range: must be " + range);
        }
        *target = *parsed;
        return Status::Ok();
      });
}

void FlagSet::Custom(std::string name, std::string type, std::string default_text, std::string help,
                     std::function<Status(std::string_view)> set) {
  Add(std::move(name), std::move(type), std::move(help), std::move(default_text), std::move(set));
}

void FlagSet::AddEnvAlias(const std::string& name, std::string alias) {
  auto it = flags_.find(name);
  if (it != flags_.end()) it->second.env_aliases.push_back(std::move(alias));
}

std::vector<std::string> FlagSet::EnvNames(const std::string& name) const {
  std::vector<std::string> out;
  auto it = flags_.find(name);
  if (it == flags_.end()) return out;
  std::vector<std::string> suffixes{ToUpperSnake(name)};
  for (const auto& a : it->second.env_aliases) suffixes.push_back(a);
  for (const char* prefix : {"SLUICE_", "WARPSTREAM_"}) {
    for (const auto& s : suffixes) out.push_back(prefix + s);
  }
  return out;
}

FlagSource FlagSet::source(const std::string& name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? FlagSource::kDefault : it->second.source;
}

Status FlagSet::ApplyEnv(const Env& env) {
  for (auto& [name, flag] : flags_) {
    for (const auto& var : EnvNames(name)) {
      std::optional<std::string> value = env.Get(var);
      if (!value || value->empty()) continue;
      Status st = flag.set(*value);
      if (!st.ok()) {
        return Status::InvalidArgument("invalid value for -" + name + " from environment " + var +
                                       ": " + st.message());
      }
      flag.source = FlagSource::kEnv;
      break;  // the first name set wins
    }
  }
  return Status::Ok();
}

Status FlagSet::Parse(const std::vector<std::string>& args, const Env& env) {
  help_requested_ = false;
  positional_.clear();
  SLUICE_RETURN_IF_ERROR(ApplyEnv(env));
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      positional_.assign(args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional_.assign(args.begin() + i, args.end());
      break;
    }
    std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body[0] == '-' || body[0] == '=') {
      return Status::InvalidArgument("bad flag syntax: " + std::string(arg));
    }
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    auto it = flags_.find(std::string(name));
    if (it == flags_.end()) {
      if (name == "h" || name == "help") {
        help_requested_ = true;
        continue;
      }
      return Status::InvalidArgument("unknown flag -" + std::string(name) + " (run with -help " +
                                     "to list the flags of " + program_ + ")");
    }
    Flag& flag = it->second;
    if (!value) {
      if (flag.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::InvalidArgument("flag -" + flag.name + " needs a value (" + flag.type + ")");
      }
    }
    Status st = flag.set(*value);
    if (!st.ok())
      return Status::InvalidArgument("invalid value for -" + flag.name + ": " + st.message());
    flag.source = FlagSource::kCommandLine;
  }
  return Status::Ok();
}

std::string FlagSet::Usage() const {
  std::string out = "Usage of " + program_ + ":\n";
  for (const auto& [name, flag] : flags_) {
    out += "  -" + name + " " + flag.type + "\n";
    out += "        " + flag.help + " (default " + flag.default_text + ")\n";
    out += "        env:";
    for (const auto& var : EnvNames(name)) out += " " + var;
    out += "\n";
  }
  return out;
}

}  // namespace sluice::cli
