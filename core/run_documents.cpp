#include "core/run_documents.h"

#include <fmt/format.h>

#include "core/results.h"

namespace nsm {

namespace {

using json = nlohmann::json;

json or_null(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json or_null(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json or_null(const std::optional<long>& v) { return v ? json(*v) : json(nullptr); }

// Typed reads of one field; absent and null are "not set" (docs/results-format.md).
const json* field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void wrong(const char* key, const char* expected, const json& v) {
  throw ResultsError(fmt::format("{}: expected {}, found {}", key, expected, v.type_name()));
}

std::optional<std::string> opt_string(const json& j, const char* key) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(key, "a string", *v);
  return v->get<std::string>();
}

std::string string_or_empty(const json& j, const char* key) { return opt_string(j, key).value_or(""); }

std::optional<double> opt_number(const json& j, const char* key) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong(key, "a number", *v);
  return v->get<double>();
}

std::optional<long> opt_integer(const json& j, const char* key) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) wrong(key, "an integer", *v);
  return v->get<long>();
}

std::optional<std::vector<std::string>> opt_strings(const json& j, const char* key) {
  const json* v = field(j, key);
  if (!v) return std::nullopt;
  if (!v->is_array()) wrong(key, "an array", *v);
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& s = (*v)[i];
    if (!s.is_string())
      throw ResultsError(fmt::format("{}: item {}: expected a string, found {}", key, i, s.type_name()));
    out.push_back(s.get<std::string>());
  }
  return out;
}

std::optional<json> opt_raw(const json& j, const char* key) {
  const json* v = field(j, key);
  return v ? std::optional<json>(*v) : std::nullopt;
}

void put_if(json& j, const char* key, const std::optional<json>& v) {
  if (v) j[key] = *v;
}

}  // namespace

void to_json(json& j, const KernelDocument& d) {
  j = {{"schema_version", kSchemaVersion},
       {"kind", "kernel"},
       {"id", d.id},
       {"release", or_null(d.release)},
       {"version", or_null(d.version)},
       {"source", d.source},
       {"accel", or_null(d.accel)},
       {"qemu_version", or_null(d.qemu_version)},
       {"machine", or_null(d.machine)},
       {"boot_seconds", or_null(d.boot_seconds)},
       {"config_source", or_null(d.config_source)}};
  if (d.accel_reason) j["accel_reason"] = *d.accel_reason;
  if (d.cmdline) j["cmdline"] = *d.cmdline;
  if (d.image) j["image"] = *d.image;
  if (d.modules) j["modules"] = *d.modules;
  if (d.guest_binaries) {
    j["guest_binaries"] = json::array();
    for (const auto& b : *d.guest_binaries)
      j["guest_binaries"].push_back({{"name", b.name}, {"build_id", or_null(b.build_id)}, {"host_path", b.host_path}});
  }
}

void from_json(const json& j, KernelDocument& d) {
  if (!j.is_object()) throw ResultsError("expected a JSON object");
  d = {};
  const auto id = opt_string(j, "id");
  if (!id) throw ResultsError("id: missing");
  d.id = *id;
  d.release = opt_string(j, "release");
  d.version = opt_string(j, "version");
  const json* source = field(j, "source");
  if (!source) throw ResultsError("source: missing");
  if (!source->is_object()) wrong("source", "an object", *source);
  d.source = *source;
  d.accel = opt_string(j, "accel");
  d.qemu_version = opt_string(j, "qemu_version");
  d.machine = opt_string(j, "machine");
  d.boot_seconds = opt_number(j, "boot_seconds");
  d.config_source = opt_string(j, "config_source");
  d.accel_reason = opt_string(j, "accel_reason");
  d.cmdline = opt_string(j, "cmdline");
  d.image = opt_string(j, "image");
  d.modules = opt_strings(j, "modules");
  if (const json* binaries = field(j, "guest_binaries")) {
    if (!binaries->is_array()) wrong("guest_binaries", "an array", *binaries);
    d.guest_binaries.emplace();
    for (const auto& b : *binaries) {
      if (!b.is_object()) wrong("guest_binaries", "an array of objects", b);
      d.guest_binaries->push_back(
          {string_or_empty(b, "name"), opt_string(b, "build_id"), string_or_empty(b, "host_path")});
    }
  }
}

void to_json(json& j, const StatusDocument& d) {
  json splats = json::array();
  for (const auto& s : d.splats) splats.push_back({{"kind", s.kind}, {"line", s.line}});
  j = {{"schema_version", kSchemaVersion},
       {"kind", "status"},
       {"status", d.status},
       {"reason", d.reason},
       {"durations", d.durations},
       {"splats", splats},
       {"guest_exit_code", or_null(d.guest_exit_code)}};
  put_if(j, "stages", d.stages);
  if (d.splat_count) j["splat_count"] = *d.splat_count;
  if (d.limits) j["limits"] = *d.limits;
  put_if(j, "modules", d.modules);
  put_if(j, "loopback", d.loopback);
  put_if(j, "root", d.root);
  put_if(j, "swap", d.swap);
  put_if(j, "mount_failures", d.mount_failures);
}

void from_json(const json& j, StatusDocument& d) {
  if (!j.is_object()) throw ResultsError("expected a JSON object");
  d = {};
  const auto status = opt_string(j, "status");
  if (!status) throw ResultsError("status: missing");
  d.status = *status;
  d.reason = string_or_empty(j, "reason");
  if (const json* durations = field(j, "durations")) {
    if (!durations->is_object()) wrong("durations", "an object", *durations);
    for (const auto& [key, value] : durations->items()) {
      if (value.is_null()) continue;
      if (!value.is_number())
        throw ResultsError(fmt::format("durations.{}: expected a number, found {}", key, value.type_name()));
      d.durations[key] = value.get<double>();
    }
  }
  if (const json* splats = field(j, "splats")) {
    if (!splats->is_array()) wrong("splats", "an array", *splats);
    for (const auto& s : *splats) {
      if (!s.is_object()) wrong("splats", "an array of objects", s);
      d.splats.push_back({string_or_empty(s, "kind"), string_or_empty(s, "line")});
    }
  }
  d.guest_exit_code = opt_integer(j, "guest_exit_code");
  d.stages = opt_raw(j, "stages");
  if (const auto count = opt_integer(j, "splat_count")) {
    if (*count < 0) throw ResultsError("splat_count: negative");
    d.splat_count = static_cast<size_t>(*count);
  }
  d.limits = opt_strings(j, "limits");
  d.modules = opt_raw(j, "modules");
  d.loopback = opt_raw(j, "loopback");
  d.root = opt_raw(j, "root");
  d.swap = opt_raw(j, "swap");
  d.mount_failures = opt_raw(j, "mount_failures");
}

namespace {

template <typename Document>
Document document_from(const json& doc, const std::string& file) {
  try {
    return doc.get<Document>();
  } catch (const ResultsError& e) {
    throw ResultsError(fmt::format("{}: {}", file, e.what()));
  }
}

}  // namespace

KernelDocument kernel_document_from(const json& doc, const std::string& file) {
  return document_from<KernelDocument>(doc, file);
}

StatusDocument status_document_from(const json& doc, const std::string& file) {
  return document_from<StatusDocument>(doc, file);
}

KernelDocument read_kernel_document(const std::string& kernel_dir) {
  const std::string path = kernel_dir + "/" + std::string(result_files::kKernel);
  return kernel_document_from(read_json_file(path, "kernel"), path);
}

StatusDocument read_status_document(const std::string& kernel_dir) {
  const std::string path = kernel_dir + "/" + std::string(result_files::kStatus);
  return status_document_from(read_json_file(path, "status"), path);
}

void write_kernel_document(const std::string& kernel_dir, const KernelDocument& d) {
  write_json_file(kernel_dir + "/" + std::string(result_files::kKernel), json(d));
}

void write_status_document(const std::string& kernel_dir, const StatusDocument& d) {
  write_json_file(kernel_dir + "/" + std::string(result_files::kStatus), json(d));
}

}  // namespace nsm
