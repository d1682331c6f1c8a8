// The web console: GET /ui serves one self-contained HTML page (inline CSS and JS, embedded in
// the binary at build time from console.html) that polls the /v1/console/* JSON documents
// (console_data.h). No external network access is needed to use it.
#pragma once

#include <string_view>

#include "agent/console/console_data.h"

namespace sluice {
class HttpServer;
}  // namespace sluice

namespace sluice::agent::console {

// console.html's bytes, generated at build time (embed_file.cmake).
std::string_view ConsolePageHtml();

// Registers GET /ui, /ui/ and /v1/console/{agents,topics,groups,objects} on `http` (before it
// starts). `sources` must outlive the server.
void RegisterConsoleRoutes(HttpServer& http, ConsoleSources sources);

}  // namespace sluice::agent::console
