// The `sluice` binary: `sluice agent` runs an agent on the embedded default (or whatever its flags
// say), `sluice playground` runs one entirely in memory, and the admin commands (docs/cli.md)
// talk Kafka to a running agent.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "cli/admin_commands.h"
#include "cli/flags.h"

namespace {

void PrintUsage() {
  std::printf(
      "sluice: a Kafka-compatible streaming platform on object storage\n\n"
      "Usage:\n"
      "  sluice agent [flags]       run an agent (default: file:// bucket and SQLite under "
      "./sluice-data)\n"
      "  sluice playground [flags]  run an agent in memory (nothing is kept)\n"
      "  sluice version             print the version\n"
      "%s\n"
      "Run `sluice agent --help` for the agent's flags.\n",
      sluice::cli::AdminCommandsSummary());
}

int RunAgent(sluice::AgentMode mode, const std::vector<std::string>& args) {
  sluice::cli::ProcessEnv env;
  auto config = sluice::ParseAgentConfig(args, env, mode);
  if (!config.ok()) {
    std::fprintf(stderr, "sluice: %s\n", config.status().message().c_str());
    return 2;
  }
  if (config->help_requested) {
    std::printf("%s", config->usage.c_str());
    return 0;
  }
  sluice::agent::Agent agent(std::move(config).value());
  sluice::Status status = agent.Run();
  if (!status.ok()) {
    std::fprintf(stderr, "sluice: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintUsage();
    return 2;
  }
  const std::string command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "agent") return RunAgent(sluice::AgentMode::kAgent, rest);
  if (command == "playground") return RunAgent(sluice::AgentMode::kPlayground, rest);
  if (command == "version" || command == "--version" || command == "-version") {
    std::printf("sluice 0.1.0\n");
    return 0;
  }
  if (auto exit = sluice::cli::RunAdminCommand(command, rest)) return *exit;
  if (command == "help" || command == "--help" || command == "-help" || command == "-h") {
    if (auto exit = sluice::cli::AdminHelp(rest)) return *exit;
    PrintUsage();
    // The agent's flags are the ones people look for.
    return RunAgent(sluice::AgentMode::kAgent, {"--help"});
  }
  std::fprintf(stderr, "sluice: unknown command '%s'\n\n", command.c_str());
  PrintUsage();
  return 2;
}
