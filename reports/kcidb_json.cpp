#include "reports/kcidb_json.h"

#include <fmt/format.h>

#include "reports/text.h"
#include "reports/views.h"

namespace nsm::reports {

namespace {

using nlohmann::json;

std::string_view kcidb_status(Outcome o) {
  switch (o) {
    case Outcome::Pass:
      return "PASS";
    case Outcome::Fail:
      return "FAIL";
    case Outcome::Skip:
      return "SKIP";
    case Outcome::Broken:
      return "ERROR";
    case Outcome::GapConfirmed:
    case Outcome::GapClosed:
      return "PASS";
  }
  return "ERROR";
}

std::string_view boot_status(KernelStatus s) {
  switch (s) {
    case KernelStatus::Ok:
      return "PASS";
    case KernelStatus::BootFailed:
    case KernelStatus::Panic:
      return "FAIL";
    case KernelStatus::Timeout:
      return "ERROR";
    case KernelStatus::InfraError:
      return "MISS";
  }
  return "MISS";
}

// A KCIDB test path: dot-separated parts of [A-Za-z0-9_-].
std::string test_path(std::string_view id) {
  std::string path = "nsmatrix";
  size_t start = 0;
  while (start <= id.size()) {
    const size_t dot = std::min(id.find('.', start), id.size());
    path += "." + identifier(id.substr(start, dot - start));
    start = dot + 1;
  }
  return path;
}

// The end of a long text: what explains an outcome is usually last.
std::string excerpt(std::string_view text) {
  if (text.size() <= kKcidbExcerptMax) return std::string(text);
  size_t start = text.size() - (kKcidbExcerptMax - 4);
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;  // whole characters
  return "...\n" + std::string(text.substr(start));
}

std::string source_comment(const KernelResults& k) {
  if (!k.kernel) return k.id;
  std::string text = k.kernel->source_type;
  for (const auto& [key, value] : k.kernel->source) text += fmt::format(" {}={}", key, value);
  return text;
}

struct Context {
  const RunResults& run;
  const KernelResults& kernel;
  std::string build_id;
  json& tests;

  void add(std::string id_suffix, std::string path, std::string_view status, std::string comment,
           json misc = json::object()) {
    json t = {{"id", fmt::format("{}/{}", build_id, id_suffix)},
              {"build_id", build_id},
              {"origin", kKcidbOrigin},
              {"path", std::move(path)},
              {"status", status}};
    if (!comment.empty()) t["comment"] = std::move(comment);
    if (!misc.empty()) t["misc"] = std::move(misc);
    if (run.run && !run.run->started.empty()) t["start_time"] = run.run->started;
    tests.push_back(std::move(t));
  }
};

void add_checks(Context& ctx, const CheckFile& file) {
  for (const auto& c : file.checks) {
    if (c.kind == CheckKind::Bench && c.outcome == Outcome::Pass) {
      for (const auto& m : c.metrics) {
        json misc = {{"lower_is_better", m.lower_is_better}};
        if (m.stddev) misc["stddev"] = *m.stddev;
        if (m.repetitions) misc["repetitions"] = *m.repetitions;
        if (!m.benchmark.empty()) misc["benchmark"] = m.benchmark;
        ctx.add(fmt::format("{}/{}", c.id, m.name), test_path(c.id + "." + m.name), "DONE", c.title, std::move(misc));
        ctx.tests.back()["number"] = {{"value", m.value}, {"unit", m.unit}};
      }
      continue;
    }
    json misc = {{"outcome", outcome_name(c.outcome)}};
    if (!c.reason.empty()) misc["reason"] = c.reason;
    ctx.add(c.id, test_path(c.id), kcidb_status(c.outcome), c.title, std::move(misc));
    auto& t = ctx.tests.back();
    if (c.duration_seconds) t["duration"] = *c.duration_seconds;
    if (!c.message.empty()) t["log_excerpt"] = excerpt(c.message);
  }
}

void add_kernel(const RunResults& run, const KernelResults& k, json& doc) {
  const std::string id = fmt::format("{}:{}/{}", kKcidbOrigin, run.run_id(), k.id);
  json checkout = {{"id", id}, {"origin", kKcidbOrigin}, {"comment", source_comment(k)}, {"valid", true}};
  if (run.run && !run.run->started.empty()) checkout["start_time"] = run.run->started;
  if (k.kernel) {
    json source = {{"type", k.kernel->source_type}};
    for (const auto& [key, value] : k.kernel->source) source[key] = value;
    checkout["misc"] = {{"source", std::move(source)}};
  }
  doc["checkouts"].push_back(std::move(checkout));

  json build = {{"id", id}, {"checkout_id", id}, {"origin", kKcidbOrigin}, {"config_name", k.id}, {"status", "PASS"}};
  if (!k.release().empty()) build["comment"] = k.release();
  if (k.probe && !k.probe->machine.empty()) build["architecture"] = identifier(k.probe->machine);
  json misc = {{"kernel_id", k.id}, {"status", status_name(k.effective_status())}};
  if (k.kernel) {
    if (k.kernel->accel) misc["accel"] = accel_name(*k.kernel->accel);
    if (!k.kernel->qemu_version.empty()) misc["qemu_version"] = k.kernel->qemu_version;
    if (!k.kernel->config_source.empty()) misc["config_source"] = k.kernel->config_source;
  }
  build["misc"] = std::move(misc);
  doc["builds"].push_back(std::move(build));

  Context ctx{run, k, id, doc["tests"]};
  const bool vm = k.accel() && *k.accel() != Accel::Native;
  if (k.status && (vm || k.status->status != KernelStatus::Ok)) {
    ctx.add("boot", "nsmatrix.boot", boot_status(k.status->status), k.status->reason);
    auto& t = ctx.tests.back();
    if (auto boot = k.status->duration("boot_seconds")) t["duration"] = *boot;
    if (k.status->status != KernelStatus::Ok && k.console_tail) t["log_excerpt"] = excerpt(*k.console_tail);
  }
  const auto infra = k.infra_reasons();
  for (size_t i = 0; i < infra.size(); ++i)
    ctx.add(fmt::format("results/{}", i + 1), "nsmatrix.results", "MISS", infra[i]);
  if (k.probe) {
    // A kernel fault is the kernel failing, not a finding to record.
    auto probe_status = [](Verdict v) { return v == Verdict::Faulty ? "FAIL" : "DONE"; };
    for (const auto& ns : k.probe->namespaces)
      ctx.add(ns.id, test_path(ns.id), probe_status(ns.verdict),
              fmt::format("{}: {}", verdict_name(ns.verdict), ns.reason), {{"verdict", verdict_name(ns.verdict)}});
    for (const auto& f : k.probe->features)
      ctx.add(f.id, test_path(f.id), probe_status(f.verdict), fmt::format("{}: {}", verdict_name(f.verdict), f.reason),
              {{"verdict", verdict_name(f.verdict)}});
  }
  if (k.conformance) add_checks(ctx, *k.conformance);
  if (k.bench) add_checks(ctx, *k.bench);
}

// The runtime axis: one build per run ("runtimes"), a test per container and per gap.
void add_runtimes(const RunResults& run, const RuntimesReport& rt, json& doc) {
  const std::string id = fmt::format("{}:{}/runtimes", kKcidbOrigin, run.run_id());
  json checkout = {
      {"id", id}, {"origin", kKcidbOrigin}, {"comment", "container runtimes on the running kernel"}, {"valid", true}};
  if (!rt.started.empty()) checkout["start_time"] = rt.started;
  doc["checkouts"].push_back(std::move(checkout));
  json build = {
      {"id", id}, {"checkout_id", id}, {"origin", kKcidbOrigin}, {"config_name", "runtimes"}, {"status", "PASS"}};
  if (!rt.kernel.empty()) build["comment"] = rt.kernel;
  doc["builds"].push_back(std::move(build));
  auto add = [&](const std::string& suffix, const std::string& path, std::string_view status,
                 const std::string& comment, json misc) {
    json t = {{"id", fmt::format("{}/{}", id, suffix)},
              {"build_id", id},
              {"origin", kKcidbOrigin},
              {"path", path},
              {"status", status},
              {"misc", std::move(misc)}};
    if (!comment.empty()) t["comment"] = comment;
    if (!rt.started.empty()) t["start_time"] = rt.started;
    doc["tests"].push_back(std::move(t));
  };
  for (const auto& c : rt.cases) {
    const std::string base = fmt::format("runtimes.{}.{}", identifier(c.runtime), identifier(c.profile));
    json misc = {{"runtime", c.runtime}, {"profile", c.profile}, {"version", c.version}};
    if (c.outcome == Outcome::Pass) {
      json namespaces = json::object();
      for (const auto& [type, is_new] : c.namespaces)
        if (is_new) namespaces[std::string(ns_name(type))] = *is_new;  // never null: the schema forbids it
      misc["namespaces_new"] = std::move(namespaces);
      misc["capabilities"] = key_capabilities(c.capabilities);
      misc["seccomp"] = seccomp_text(c);
      misc["userns"] = userns_text(c);
    }
    add(c.runtime + "/" + c.profile, "nsmatrix." + base, kcidb_status(c.outcome), c.why, std::move(misc));
    for (const auto& g : c.gaps)
      add(fmt::format("{}/{}/{}", c.runtime, c.profile, g.id), test_path(base + "." + g.id), kcidb_status(g.outcome),
          g.title, {{"outcome", outcome_name(g.outcome)}, {"reason", g.evidence}});
  }
}

}  // namespace

json kcidb_json(const RunResults& run) {
  json doc = {{"version", {{"major", 5}, {"minor", 0}}},
              {"checkouts", json::array()},
              {"builds", json::array()},
              {"tests", json::array()}};
  for (const auto& k : run.kernels) add_kernel(run, k, doc);
  if (run.runtimes) add_runtimes(run, *run.runtimes, doc);
  return doc;
}

}  // namespace nsm::reports
