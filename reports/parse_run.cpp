// run.json, kernel.json and status.json.
#include <nlohmann/json.hpp>

#include "reports/json_fields.h"
#include "reports/parse.h"

namespace nsm::reports {

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
  return run;
}

KernelInfo parse_kernel(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  KernelInfo k;
  k.id = top.str("id");
  k.release = top.str_or_empty("release");
  k.version = top.str_or_empty("version");
  const JsonFields source = top.object("source");
  k.source_type = source.str("type");
  if (k.source_type != "running" && k.source_type != "debian" && k.source_type != "file" && k.source_type != "build")
    source.fail("type", "unknown word \"" + k.source_type + "\" (expected running, debian, file, build)");
  for (const auto& [key, value] : source.raw().items()) {
    if (key == "type" || value.is_null()) continue;
    if (value.is_string()) k.source.emplace_back(key, value.get<std::string>());
    else if (value.is_number() || value.is_boolean()) k.source.emplace_back(key, value.dump());
    else source.fail(key, "expected a string, found " + std::string(json_type_words(value)));
  }
  k.accel = top.opt_word<Accel>("accel", accel_from_name, "native, kvm, tcg");
  k.qemu_version = top.str_or_empty("qemu_version");
  k.machine = top.str_or_empty("machine");
  k.config_source = top.str_or_empty("config_source");
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
      s.durations.emplace_back(key, durations->number(key));
    }
  }
  for (const auto& splat : top.opt_objects("splats")) s.splats.push_back({splat.str_or_empty("kind"), splat.str("line")});
  s.guest_exit_code = top.opt_integer("guest_exit_code");
  return s;
}

}  // namespace nsm::reports
