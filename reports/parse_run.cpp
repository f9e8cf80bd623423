// run.json, kernel.json and status.json.
#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

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

KernelInfo parse_kernel(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  KernelInfo k;
  k.id = top.str("id");
  k.release = top.str_or_empty("release");
  k.version = top.str_or_empty("version");
  parse_source(top.object("source"), k);
  k.accel = top.opt_word<Accel>("accel", accel_from_name, "native, kvm, tcg");
  k.accel_reason = top.str_or_empty("accel_reason");
  k.qemu_version = top.str_or_empty("qemu_version");
  k.machine = top.str_or_empty("machine");
  k.config_source = top.str_or_empty("config_source");
  k.cmdline = top.str_or_empty("cmdline");
  k.image = top.str_or_empty("image");
  k.modules = top.opt_strings("modules");
  k.boot_seconds = top.opt_number("boot_seconds");
  return k;
}

StatusInfo parse_status(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  StatusInfo s;
  s.status = top.word<KernelStatus>("status", status_from_name, "ok, boot-failed, timeout, panic, infra-error");
  s.reason = top.str_or_empty("reason");
  if (auto durations = top.opt_object("durations")) {
    for (const auto& [key, value] : durations->raw().items()) {
      if (value.is_null()) continue;
      const double seconds = durations->number(key);
      if (seconds < 0) durations->fail(key, "negative");
      s.durations.emplace_back(key, seconds);
    }
  }
  for (const auto& splat : top.opt_objects("splats"))
    s.splats.push_back({splat.str_or_empty("kind"), splat.str("line")});
  s.splat_count = top.opt_integer("splat_count");
  for (const auto& line : top.opt_strings("limits")) s.limits.push_back(line);
  s.guest_exit_code = top.opt_integer("guest_exit_code");
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
