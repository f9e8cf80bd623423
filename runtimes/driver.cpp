#include "runtimes/driver.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "conformance/driver/residue.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/kernel_version.h"
#include "core/ns_id.h"
#include "core/ns_types.h"
#include "core/proc.h"
#include "core/results.h"
#include "runtimes/engines.h"
#include "runtimes/inside_gaps.h"
#include "runtimes/outside.h"

namespace nsm::runtimes {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

volatile sig_atomic_t g_stop_signal = 0;
void on_stop_signal(int sig) { g_stop_signal = sig; }

// SIGINT/SIGTERM/SIGHUP end the run through its cleanup instead of killing it; restored after.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;  // no SA_RESTART: a wait returns with EINTR
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~StopSignals() {
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3]{};
};

std::string tail_lines(const std::string& path, size_t lines = 4) {
  std::string t = trim(read_file(path).value_or(""));
  size_t at = t.size();
  for (size_t n = 0; n < lines && at != std::string::npos && at > 0; ++n) at = t.rfind('\n', at - 1);
  return at == std::string::npos || at == 0 ? t : t.substr(at + 1);
}

json host_namespaces() {
  json out = json::object();
  for (const auto& info : ns_types())
    if (const auto id = ns_id_at("self", info.proc_name)) out[std::string(info.name)] = id->ino;
  return out;
}

std::string new_types(const json& namespaces) {
  std::string out;
  for (const auto& [type, v] : namespaces.items())
    if (v.value("new", false)) out += (out.empty() ? "" : " ") + type;
  return out.empty() ? "none" : out;
}

int broken_gaps(const json& gaps) {
  return static_cast<int>(
      std::count_if(gaps.begin(), gaps.end(), [](const json& g) { return g.value("outcome", "") == "broken"; }));
}

std::string gap_summary(const json& gaps) {
  int confirmed = 0, closed = 0, skipped = 0;
  for (const auto& g : gaps) {
    const std::string o = g.value("outcome", "");
    (o == "gap-confirmed" ? confirmed : o == "gap-closed" ? closed : skipped) += o != "broken";
  }
  const int broken = broken_gaps(gaps);
  return fmt::format("{} confirmed, {} closed, {} skipped{}", confirmed, closed, skipped,
                     broken ? fmt::format(", {} BROKEN", broken) : "");
}

struct Case {
  Engine& engine;
  std::string profile;
  std::string version;
};

// One container: start, look from inside and outside, end. Returns its record.
json run_case(Case& c, RunContext& ctx, std::FILE* progress) {
  const std::string token = fmt::format("{}-{}-{}", ctx.marker, c.engine.name(), c.profile);
  json rec{{"runtime", c.engine.name()}, {"profile", c.profile}, {"version", c.version}, {"token", token}};
  const auto started = std::chrono::steady_clock::now();
  auto finish = [&](const std::string& outcome, const std::string& why) {
    rec["outcome"] = outcome;
    if (!why.empty()) rec["why"] = why;
    rec["elapsed_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return rec;
  };
  Launch launch;
  try {
    launch = c.engine.launch(ctx, c.profile, token);
  } catch (const CannotRun& e) {
    return finish("skip", e.what());
  }
  rec["command"] = describe_command(launch.argv);
  rec["notes"] = launch.notes;
  const std::string log = fmt::format("{}/{}-{}.log", ctx.log_dir, c.engine.name(), c.profile);
  rec["log"] = fs::path(log).filename().string();
  // The inside view prints one line, then holds until its stdin ends.
  launch.options.output = Output::Read;
  launch.options.output_path = log;
  launch.options.stdin_pipe = true;
  launch.options.timeout = 300s;

  const json host_before = observe_gaps();
  Program held = Program::start(launch.argv, launch.options);
  // Its end within `grace`: EOF on its stdin ends the view, then the runtime's command.
  auto end_held = [&held](std::chrono::milliseconds grace) {
    held.deadline_in(grace);
    return held.finish().status;
  };
  const auto line = held.read_line(180s);
  if (!line) {
    const ChildStatus status = end_held(30s);
    rec["exit"] = status.describe();
    if (stop_requested())
      return finish("broken", fmt::format("interrupted by signal {}", static_cast<int>(g_stop_signal)));
    const std::string said = tail_lines(log);
    // The runtime refused to start the container here: a skip that quotes its own words.
    if (!status.ok())
      return finish("skip", fmt::format("{} cannot start here ({}): {}", c.engine.name(), status.describe(), said));
    return finish("broken", fmt::format("the container ended without printing the inside view: {}", said));
  }
  json view;
  try {
    view = parse_json_bounded(*line);
    if (!view.is_object() || view.value("kind", "") != "inside" || view.value("token", "") != token)
      throw ToolError("not the inside view this container was started with");
    const auto pids = find_held_views(token);
    if (pids.size() != 1)
      throw ToolError(fmt::format("{} processes carry the token {} (one expected)", pids.size(), token));
    rec["host_pid"] = pids[0];
    // The moment a container is up (tests kill the driver here, mid-run).
    fmt::print(progress, "{}/{}: up, host pid {}\n", c.engine.name(), c.profile, pids[0]);
    std::fflush(progress);
    rec["namespaces"] = compare_namespaces(pids[0], view["namespaces"]);
    rec["network"] = rec["namespaces"]["net"].value("new", false) ? network_from_outside(view["network"], host_links())
                                                                  : json(nullptr);
    rec["gaps"] = judge_gaps(view["gap_readings"], host_before, observe_gaps());
  } catch (const std::exception& e) {
    rec["exit"] = end_held(30s).describe();
    rec["view"] = view;
    return finish("broken", fmt::format("{} (view: {:.200})", e.what(), *line));
  }
  rec["view"] = view;
  const ChildStatus status = end_held(60s);
  rec["exit"] = status.describe();
  if (!status.ok())
    rec["notes"].push_back(
        fmt::format("the runtime's command {} after the view ended: {}", status.describe(), tail_lines(log, 2)));
  return finish("ran", "");
}

// What the final sweep removes without it being news: the work directory, and the top-level
// cgroups named <marker>-<runtime> that the run gave docker, podman, runc and crun as their
// cgroup parent (the runtimes remove their containers' cgroups below it, never the parent).
// A container's own cgroup still there, or anything else, is reported.
bool expected_leftover(const conformance::ResidueItem& item, const std::string& marker) {
  if (item.kind == "dir") return true;
  return item.kind == "cgroup" && std::filesystem::path(item.name).filename().string().starts_with(marker + "-");
}

}  // namespace

bool stop_requested() { return g_stop_signal != 0; }

std::vector<std::pair<std::string, std::vector<std::string>>> runtime_profiles() {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& e : all_engines()) out.emplace_back(e->name(), e->profiles());
  return out;
}

DriverResult run_runtimes(const DriverOptions& options, std::FILE* progress) {
  const auto known = runtime_profiles();
  for (const auto& r : options.runtimes)
    if (std::none_of(known.begin(), known.end(), [&](const auto& k) { return k.first == r; }))
      throw InputError(
          fmt::format("unknown runtime '{}' (known: docker, podman, runc, crun, bwrap, systemd-nspawn, lxc)", r));
  for (const auto& p : options.profiles)
    if (std::none_of(known.begin(), known.end(),
                     [&](const auto& k) { return std::find(k.second.begin(), k.second.end(), p) != k.second.end(); }))
      throw InputError(fmt::format("unknown profile '{}' (known: default, privileged, unshare-all)", p));
  if (::geteuid() != 0) throw InputError("nsmatrix runtimes starts daemons and containers as root: run it as root");

  StopSignals signals;
  RunContext ctx;
  ctx.pid = ::getpid();
  ctx.marker = conformance::runtime_run_marker();
  ctx.work_dir = fmt::format("{}/{}", conformance::kRuntimeWorkParent, ctx.marker);
  ctx.log_dir = options.out_dir + "/logs";
  make_directories(ctx.work_dir);
  make_directories(ctx.log_dir);

  DriverResult result;
  json& doc = result.doc;
  const auto forward_before = read_sysctl("net.ipv4.ip_forward");
  doc = {{"schema_version", kSchemaVersion},
         {"kind", "runtimes"},
         {"started", utc_timestamp()},
         {"kernel", KernelVersion::running().release()},
         {"marker", ctx.marker},
         {"host", {{"namespaces", host_namespaces()}, {"ip_forward_before", forward_before.value_or("")}}},
         {"runtimes", json::array()}};
  json teardown = json::array();

  // Whatever happens below, the engines are finished and everything carrying the marker goes.
  std::vector<Engine*> prepared;
  auto engines = all_engines();
  auto clean_up = [&] {
    for (Engine* e : prepared)
      for (auto& problem : e->finish(ctx)) teardown.push_back(fmt::format("{}: {}", e->name(), problem));
    prepared.clear();
    const auto report = conformance::clean_residue_of(ctx.pid, conformance::own_pidns());
    for (const auto& item : report.removed)
      if (!expected_leftover(item, ctx.marker))
        teardown.push_back(fmt::format("left behind and removed: {} {}", item.kind, item.name));
    for (const auto& [item, why] : report.failed) {
      teardown.push_back(fmt::format("could not remove {} {}: {}", item.kind, item.name, why));
      ++result.host_problems;
    }
  };
  try {
    ctx.rootfs = build_rootfs(options.bin_dir, ctx.work_dir);
    doc["rootfs"] = {{"files", ctx.rootfs.files}, {"bytes", ctx.rootfs.bytes}};
    for (auto& engine : engines) {
      const auto& name = engine->name();
      if (!options.runtimes.empty() &&
          std::find(options.runtimes.begin(), options.runtimes.end(), name) == options.runtimes.end())
        continue;
      std::vector<std::string> profiles;
      for (const auto& p : engine->profiles())
        if (options.profiles.empty() ||
            std::find(options.profiles.begin(), options.profiles.end(), p) != options.profiles.end())
          profiles.push_back(p);
      if (profiles.empty()) continue;
      auto skip_all = [&](const std::string& outcome, const std::string& why) {
        for (const auto& p : profiles) {
          doc["runtimes"].push_back({{"runtime", name}, {"profile", p}, {"outcome", outcome}, {"why", why}});
          fmt::print(progress, "{}/{}: {}: {}\n", name, p, outcome, why);
        }
      };
      if (stop_requested()) break;
      if (!on_path(engine->program())) {
        skip_all("skip", fmt::format("not installed: {} is not in PATH (scripts/install-deps.sh --runtimes)",
                                     engine->program()));
        continue;
      }
      std::fflush(progress);
      try {
        prepared.push_back(engine.get());
        engine->prepare(ctx);
      } catch (const CannotRun& e) {
        skip_all("skip", fmt::format("{} cannot start here: {}", name, e.what()));
        continue;
      } catch (const std::exception& e) {
        skip_all("broken", fmt::format("preparing {} failed: {}", name, e.what()));
        continue;
      }
      std::string version;
      try {
        version = engine->version(ctx);
      } catch (const std::exception& e) {
        version = fmt::format("unknown ({})", e.what());
      }
      for (const auto& p : profiles) {
        if (stop_requested()) break;
        Case c{*engine, p, version};
        json rec;
        try {
          rec = run_case(c, ctx, progress);
        } catch (const std::exception& e) {
          rec = {{"runtime", name}, {"profile", p}, {"version", version}, {"outcome", "broken"}, {"why", e.what()}};
        }
        const std::string outcome = rec.value("outcome", "");
        if (outcome == "ran")
          fmt::print(progress, "{}/{}: new {}; gaps {}\n", name, p, new_types(rec["namespaces"]),
                     gap_summary(rec["gaps"]));
        else
          fmt::print(progress, "{}/{}: {}: {}\n", name, p, outcome, rec.value("why", ""));
        std::fflush(progress);
        doc["runtimes"].push_back(std::move(rec));
      }
      for (auto& problem : engine->finish(ctx)) teardown.push_back(fmt::format("{}: {}", name, problem));
      prepared.erase(std::remove(prepared.begin(), prepared.end(), engine.get()), prepared.end());
    }
  } catch (...) {
    clean_up();
    throw;
  }
  clean_up();

  // dockerd (and others) may turn on forwarding for the whole host: it must be as it was.
  const auto forward_after = read_sysctl("net.ipv4.ip_forward");
  doc["host"]["ip_forward_after"] = forward_after.value_or("");
  if (forward_before && forward_after && *forward_before != *forward_after) {
    write_file("/proc/sys/net/ipv4/ip_forward", *forward_before);
    teardown.push_back(fmt::format("net.ipv4.ip_forward changed from {} to {} during the run; set back",
                                   *forward_before, *forward_after));
    ++result.host_problems;
  }
  result.interrupted = g_stop_signal;
  if (result.interrupted) teardown.push_back(fmt::format("interrupted by signal {}", result.interrupted));
  doc["teardown"] = teardown;
  doc["ended"] = utc_timestamp();
  for (const auto& r : doc["runtimes"]) {
    const std::string o = r.value("outcome", "");
    (o == "ran" ? result.ran : o == "skip" ? result.skipped : result.broken) += 1;
    if (r.contains("gaps")) result.broken_gaps += broken_gaps(r["gaps"]);
  }
  result.path = options.out_dir + "/" + std::string(result_files::kRuntimes);
  write_json_file(result.path, doc);
  return result;
}

}  // namespace nsm::runtimes
