#include "cli/admin_common.h"

#include <cstdio>

namespace sluice::cli {

void AddConnectionFlags(FlagSet& flags, ConnectionFlags* out) {
  flags.String("bootstrap", &out->bootstrap, "127.0.0.1:9092",
               "agents to connect to, host:port[,host:port...]");
  flags.String("clientID", &out->client_id, "sluice-cli",
               "Kafka client id (e.g. warpstream_proxy_target=proxy-consume,warpstream_az=a)");
  flags.Duration("timeout", &out->timeout, std::chrono::seconds(10), std::chrono::milliseconds(1),
                 std::chrono::hours(1), "timeout of the connection and of each request");
  flags.Bool("json", &out->json, false, "print JSON for scripts instead of tables");
}

Result<client::KafkaClient> ConnectWith(const ConnectionFlags& flags) {
  client::ClientOptions options;
  SLUICE_ASSIGN_OR_RETURN(options.bootstrap, client::ParseBootstrap(flags.bootstrap));
  options.client_id = flags.client_id;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(flags.timeout);
  return client::KafkaClient::Connect(options);
}

void SplitInterspersed(const std::vector<std::string>& args,
                       const std::set<std::string>& bool_flags, std::vector<std::string>* flag_args,
                       std::vector<std::string>* positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional->insert(positional->end(), args.begin() + i + 1, args.end());
      return;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional->push_back(arg);
      continue;
    }
    flag_args->push_back(arg);
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    bool has_value = name.find('=') != std::string::npos;
    bool is_help = name == "h" || name == "help";
    if (!has_value && !is_help && !bool_flags.count(name) && i + 1 < args.size()) {
      flag_args->push_back(args[++i]);
    }
  }
}

std::optional<int> ParseCommandFlags(FlagSet& flags, const std::vector<std::string>& args,
                                     const std::set<std::string>& bool_flags,
                                     const std::string& usage,
                                     std::vector<std::string>* positional) {
  std::vector<std::string> flag_args;
  std::set<std::string> bools = bool_flags;
  bools.insert("json");
  SplitInterspersed(args, bools, &flag_args, positional);
  ProcessEnv env;
  Status st = flags.Parse(flag_args, env);
  if (!st.ok()) return UsageError(st.message());
  if (flags.help_requested()) {
    std::printf("%s\n%s", usage.c_str(), flags.Usage().c_str());
    return kExitOk;
  }
  return std::nullopt;
}

int Fail(const Status& status) {
  std::fprintf(stderr, "sluice: %s\n", status.message().c_str());
  // Bad -bootstrap or -bucketURL values surface only when used; they are still bad flags.
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "sluice: %s\n", message.c_str());
  return kExitUsage;
}

Status AppendKeyValue(std::string_view text,
                      std::vector<std::pair<std::string, std::string>>* out) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not key=value");
  }
  out->emplace_back(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  return Status::Ok();
}

}  // namespace sluice::cli
