// The admin commands of the `sluice` binary (docs/cli.md). Each takes the arguments after its
// name and returns the process exit code (admin_common.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

int RunTopics(const std::vector<std::string>& args);
int RunGroups(const std::vector<std::string>& args);
int RunProduce(const std::vector<std::string>& args);
int RunConsume(const std::vector<std::string>& args);
int RunCluster(const std::vector<std::string>& args);
int RunInspectObject(const std::vector<std::string>& args);

// Runs `command` when it is an admin command; nullopt otherwise.
std::optional<int> RunAdminCommand(const std::string& command,
                                   const std::vector<std::string>& args);
// `sluice help CMD [SUB]`: the command's help; nullopt when CMD is not an admin command.
std::optional<int> AdminHelp(const std::vector<std::string>& args);
// One line per admin command, for the binary's usage text.
const char* AdminCommandsSummary();

}  // namespace sluice::cli
