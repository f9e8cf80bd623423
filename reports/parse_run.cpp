// run.json, kernel.json and status.json, as the report sees them.
#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/results.h"
#include "core/run_documents.h"
#include "reports/json_fields.h"
#include "reports/parse.h"

namespace nsm::reports {

namespace {

constexpr std::array<std::string_view, 5> kSourceTypes{"running", "debian", "file", "build", "unknown"};

// kernel.json's source fields that are documented as strings; companion_packages is the
// one list. A documented field of the wrong type is an error; anything else the producer
// adds is shown when it is a plain value (or a list of them) and ignored otherwise.
constexpr std::array<std::string_view, 9> kSourceStrings{"package",  "package_version", "suite",
                                                         "path",     "modules_dir",     "base_config",
                                                         "fragment", "fragment_sha256", "guest_base_sha256"};

std::optional<std::string> plain_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

// A list of plain values, joined: "linux-modules-7.2.13+deb14-cloud-amd64, linux-base-...".
std::optional<std::string> joined_list(const nlohmann::json& value) {
  if (!value.is_array()) return std::nullopt;
  std::string out;
  for (const auto& item : value) {
    auto text = plain_text(item);
    if (!text) return std::nullopt;
    out += (out.empty() ? "" : ", ") + *text;
  }
  return out;
}

void parse_source(const JsonFields& source, KernelInfo& k) {
  k.source_type = source.str("type");
  if (std::find(kSourceTypes.begin(), kSourceTypes.end(), k.source_type) == kSourceTypes.end())
    source.fail("type", "unknown word \"" + k.source_type + "\" (expected running, debian, file, build, unknown)");
  for (const auto& [key, value] : source.raw().items()) {
    if (key == "type" || value.is_null()) continue;
    if (key == "companion_packages") {
      const auto names = source.opt_strings(key);  // throws unless a list of strings
      std::string text;
      for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
      k.source.emplace_back(key, text);
    } else if (std::find(kSourceStrings.begin(), kSourceStrings.end(), key) != kSourceStrings.end()) {
      k.source.emplace_back(key, source.str(key));
    } else if (auto text = plain_text(value)) {
      k.source.emplace_back(key, *text);
    } else if (auto list = joined_list(value)) {
      k.source.emplace_back(key, *list);
    }
  }
}

std::vector<GuestStep> guest_steps(const JsonFields& top, std::string_view key, std::string_view name_key) {
  std::vector<GuestStep> out;
  for (const auto& s : top.opt_objects(key))
    out.push_back({s.str_or_empty(name_key), s.opt_bool("ok").value_or(false), s.str_or_empty("error")});
  return out;
}

}  // namespace

RunInfo parse_run(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  RunInfo run;
  run.tool_version = top.str_or_empty("tool_version");
  run.run_id = top.str("run_id");
  if (auto host = top.opt_object("host")) {
    run.hostname = host->str_or_empty("hostname");
    run.host_release = host->str_or_empty("release");
    run.host_cpus = host->opt_integer("cpus");
  }
  run.started = top.str_or_empty("started");
  run.ended = top.str_or_empty("ended");
  const auto& kernels = doc.find("kernels");
  if (kernels == doc.end() || !kernels->is_array()) top.fail("kernels", "expected an array of kernel ids");
  for (const auto& k : *kernels) {
    if (!k.is_string() || k.get<std::string>().empty()) top.fail("kernels", "expected non-empty strings (kernel ids)");
    const std::string id = k.get<std::string>();
    if (id.find('/') != std::string::npos || id == "." || id == "..")
      top.fail("kernels", "\"" + id + "\" is not a directory name");
    run.kernels.push_back(id);
  }
  if (auto m = top.opt_object("matrix")) {
    MatrixInfo matrix;
    matrix.jobs = m->opt_integer("jobs");
    matrix.accel = m->str_or_empty("accel");
    matrix.machine = m->str_or_empty("machine");
    matrix.timeout_seconds = m->opt_number("timeout_seconds");
    matrix.collected = m->opt_bool("collected").value_or(false);
    run.matrix = matrix;
  }
  return run;
}

// kernel.json and status.json are read by core's one reader (core/run_documents.h: types
// and field types); the report adds what only it checks: the closed sets of words, the
// source's documented strings, non-negative durations, the shape of the guest's records.
KernelInfo parse_kernel(const nlohmann::json& doc, const std::string& file) {
  const KernelDocument d = kernel_document_from(doc, file);
  const JsonFields top(doc, file);
  KernelInfo k;
  k.id = d.id;
  k.release = d.release.value_or("");
  k.version = d.version.value_or("");
  parse_source(top.object("source"), k);
  if (d.accel) {
    k.accel = accel_from_name(*d.accel);
    if (!k.accel) top.fail("accel", "unknown word \"" + *d.accel + "\" (expected native, kvm, tcg)");
  }
  k.accel_reason = d.accel_reason.value_or("");
  k.qemu_version = d.qemu_version.value_or("");
  k.machine = d.machine.value_or("");
  k.config_source = d.config_source.value_or("");
  k.cmdline = d.cmdline.value_or("");
  k.image = d.image.value_or("");
  k.modules = d.modules.value_or(std::vector<std::string>{});
  k.boot_seconds = d.boot_seconds;
  return k;
}

StatusInfo parse_status(const nlohmann::json& doc, const std::string& file) {
  const StatusDocument d = status_document_from(doc, file);
  const JsonFields top(doc, file);
  StatusInfo s;
  const auto status = status_from_name(d.status);
  if (!status)
    top.fail("status", "unknown word \"" + d.status + "\" (expected ok, boot-failed, timeout, panic, infra-error)");
  s.status = *status;
  s.reason = d.reason;
  for (const auto& [key, seconds] : d.durations) {
    if (seconds < 0) top.fail("durations." + key, "negative");
    s.durations.emplace_back(key, seconds);
  }
  for (const auto& splat : d.splats) {
    if (splat.line.empty()) top.fail("splats", "a splat without its line");
    s.splats.push_back({splat.kind, splat.line});
  }
  if (d.splat_count) s.splat_count = static_cast<long>(*d.splat_count);
  s.limits = d.limits.value_or(std::vector<std::string>{});
  s.guest_exit_code = d.guest_exit_code;
  // The guest's own records, kept raw by the document: their shape is the report's to check.
  for (const auto& st : top.opt_objects("stages")) {
    StageRecord r;
    r.name = st.str("name");
    r.command = st.str_or_empty("command");
    r.end = st.str_or_empty("end");
    r.exit_code = st.opt_integer("exit_code");
    r.seconds = st.opt_number("seconds");
    r.results = st.opt_bool("results").value_or(false);
    r.error = st.str_or_empty("error");
    s.stages.push_back(std::move(r));
  }
  s.modules = guest_steps(top, "modules", "name");
  for (std::string_view step : {"root", "loopback"})
    if (auto o = top.opt_object(step); o && !o->opt_bool("ok").value_or(true))
      s.setup_failures.push_back({std::string(step), false, o->str_or_empty("error")});
  for (auto& m : guest_steps(top, "mount_failures", "target")) {
    m.name = "mount " + m.name;
    s.setup_failures.push_back(std::move(m));
  }
  return s;
}

}  // namespace nsm::reports
