#include "cli/admin_commands.h"

#include <cstdio>

#include "cli/admin_common.h"

namespace sluice::cli {

std::optional<int> RunAdminCommand(const std::string& command,
                                   const std::vector<std::string>& args) {
  if (command == "topics") return RunTopics(args);
  if (command == "groups") return RunGroups(args);
  if (command == "produce") return RunProduce(args);
  if (command == "consume") return RunConsume(args);
  if (command == "cluster") return RunCluster(args);
  if (command == "inspect-object") return RunInspectObject(args);
  return std::nullopt;
}

std::optional<int> AdminHelp(const std::vector<std::string>& args) {
  if (args.empty()) return std::nullopt;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  rest.push_back("-help");
  return RunAdminCommand(args[0], rest);
}

const char* AdminCommandsSummary() {
  return "  sluice topics list|create|describe|alter|delete   manage topics\n"
         "  sluice groups list|describe|delete|reset-offsets  manage consumer groups\n"
         "  sluice produce -topic T                 write stdin lines as records\n"
         "  sluice consume -topic T                 print records\n"
         "  sluice cluster                          list the agents\n"
         "  sluice inspect-object -bucketURL URL -key KEY   print a segment object's footer\n"
         "  sluice help COMMAND [SUBCOMMAND]        help of one command\n"
         "Admin commands talk Kafka to -bootstrap host:port (default 127.0.0.1:9092); add -json\n"
         "for JSON. Exit codes: 0 ok, 1 the command failed (Kafka error, unreachable agent),\n"
         "2 bad command line. See docs/cli.md.\n";
}

}  // namespace sluice::cli
