// `serve`: the read-only web dashboard (src/panic/serve/, docs/SERVE.md). Parses the options,
// starts the server and waits for Ctrl-C.
#include <chrono>
#include <ostream>
#include <thread>

#include "panic/cli/command.h"
#include "panic/cli/signals.h"
#include "panic/serve/dashboard_server.h"

namespace panic::cli {
namespace {

int ServeCommand(const ParsedArgs& args, Context& ctx) {
  serve::ServeOptions options;
  options.db_path = ctx.db_path;
  options.host = args.Get("host").value_or("127.0.0.1");
  options.allow_remote = args.Has("allow-remote");
  auto port = args.GetIntIn("port", 8080, 0, 65535, "0: any free port");
  if (!port.ok()) return ReportError(port.status(), ctx);
  auto threads = args.GetThreads(16);
  if (!threads.ok()) return ReportError(threads.status(), ctx);
  options.port = static_cast<int>(*port);
  options.threads = *threads;
  auto server = serve::DashboardServer::Create(options);
  if (!server.ok()) return ReportError(server.status(), ctx);
  auto bound = (*server)->Bind();
  if (!bound.ok()) return ReportError(bound.status(), ctx);
  if (!serve::IsLoopbackHost(options.host)) {
    ctx.err << "warning: serving " << options.db_path << " to the network on " << options.host
            << ": anyone who can reach this port can read every experiment (there is no authentication)\n";
  }
  const std::string shown_host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  ctx.out << "serving " << options.db_path << " read-only at http://" << shown_host << ":" << *bound
          << "/ (Ctrl-C stops)" << std::endl;
  const engine::CancelFlag& cancel = InstallCancelHandlers();
  Status started = (*server)->Start();
  if (!started.ok()) return ReportError(started, ctx);
  while (!cancel.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->Stop();
  ctx.err << "stopped\n";
  return kExitInterrupted;
}

}  // namespace

std::vector<CommandSpec> ServeCommands() {
  return {{"serve", "", "a read-only web dashboard of the database: experiments, runs, diagrams, clusters", "", 0, 0,
           {{"port", "N", "TCP port, 0..65535 (default 8080; 0 picks a free one)"},
            {"host", "ADDR", "address to listen on (default 127.0.0.1); a non-loopback address needs --allow-remote"},
            {"allow-remote", "", "allow a --host other than loopback (the dashboard has no authentication)"},
            {"threads", "N", "threads serving connections, 1..1024 (default 16)"}},
           "Opens the database read-only (it never writes, migrates or creates anything) and reads it while an\n"
           "experiment writes. Pages: / (experiments), /experiment?id=, /run?id=, /clusters, /compare?a=&b=.\n"
           "JSON under /api/ with the shapes of --json (docs/SERVE.md). Ctrl-C stops it (exit 130).",
           ServeCommand}};
}

}  // namespace panic::cli
