#include "agent/console/console_routes.h"

#include <memory>

#include "network/http_server.h"

namespace sluice::agent::console {

namespace {

using Builder = Task<std::string> (*)(const ConsoleSources&);

void RouteJson(HttpServer& http, const std::string& path, std::shared_ptr<ConsoleSources> sources,
               Builder build) {
  http.Route("GET", path, [sources, build](const HttpRequest&) -> Task<HttpResponse> {
    HttpResponse response = HttpResponse::Json(200, co_await build(*sources));
    // Snapshots of live state: a cached copy would show stale offsets and lag.
    response.headers.emplace_back("Cache-Control", "no-store");
    co_return response;
  });
}

}  // namespace

void RegisterConsoleRoutes(HttpServer& http, ConsoleSources sources) {
  auto shared = std::make_shared<ConsoleSources>(sources);
  HttpHandler page = [](const HttpRequest&) -> Task<HttpResponse> {
    HttpResponse response;
    response.content_type = "text/html; charset=utf-8";
    response.body = std::string(ConsolePageHtml());
    // The page talks only to this agent; forbid anything else it might be tricked into loading.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; style-src 'unsafe-inline'; "
                                  "script-src 'unsafe-inline'; img-src 'self' data:");
    co_return response;
  };
  http.Route("GET", "/ui", page);
  http.Route("GET", "/ui/", page);
  RouteJson(http, "/v1/console/agents", shared, &AgentsJson);
  RouteJson(http, "/v1/console/topics", shared, &TopicsJson);
  RouteJson(http, "/v1/console/groups", shared, &GroupsJson);
  RouteJson(http, "/v1/console/objects", shared, &ObjectsJson);
}

}  // namespace sluice::agent::console
