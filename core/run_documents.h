// kernel.json and status.json (docs/results-format.md) as types: every producer (the host
// run, a VM run, a kernel that never booted) fills one of these and writes it with
// to_json; every reader gets one back with from_json. Fields every run has are always
// written (null when unknown); fields only a VM run has are written only when set.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm {

// One of our binaries in the guest's initramfs: its GNU build ID and the host's copy.
struct GuestBinary {
  std::string name;
  std::optional<std::string> build_id;
  std::string host_path;
};

// kernel.json: which kernel ran, from where, and how it was booted.
struct KernelDocument {
  std::string id;                                    // the kernel directory's name
  std::optional<std::string> release;                // uname -r; unknown for a kernel never prepared
  std::optional<std::string> version;                // "6.1.158"
  nlohmann::json source = nlohmann::json::object();  // {"type": "running" | "debian" | ...}
  std::optional<std::string> accel;                  // native | kvm | tcg
  std::optional<std::string> qemu_version;
  std::optional<std::string> machine;
  std::optional<double> boot_seconds;
  std::optional<std::string> config_source;  // where the probe found the kernel's config
  // A VM run only.
  std::optional<std::string> accel_reason;
  std::optional<std::string> cmdline;
  std::optional<std::string> image;
  std::optional<std::vector<std::string>> modules;
  std::optional<std::vector<GuestBinary>> guest_binaries;
};

struct SplatLine {
  std::string kind;  // panic, oops, BUG, WARNING, ...
  std::string line;
};

// status.json: how one kernel's run ended, and why when it gave no (or partial) results.
struct StatusDocument {
  std::string status = "infra-error";  // ok | boot-failed | timeout | panic | infra-error
  std::string reason;
  std::map<std::string, double> durations;  // "total_seconds" always; "<stage>_seconds", ...
  std::vector<SplatLine> splats;
  std::optional<long> guest_exit_code;
  std::optional<nlohmann::json> stages;            // the stage records (pipeline/stages.h), as written
  std::optional<size_t> splat_count;               // all splats, when more than those listed (VM)
  std::optional<std::vector<std::string>> limits;  // caps the host applied to the guest (VM)
  // What the guest reported about its own setup, as it reported it (VM).
  std::optional<nlohmann::json> modules, loopback, root, swap, mount_failures;
};

// Whole documents, schema_version and kind included.
void to_json(nlohmann::json& j, const KernelDocument& d);
void to_json(nlohmann::json& j, const StatusDocument& d);
// Throw nsm::ResultsError naming the field that is missing or of the wrong type.
void from_json(const nlohmann::json& j, KernelDocument& d);
void from_json(const nlohmann::json& j, StatusDocument& d);

// from_json of a document already read (schema and kind checked), its errors naming `file`.
KernelDocument kernel_document_from(const nlohmann::json& doc, const std::string& file);
StatusDocument status_document_from(const nlohmann::json& doc, const std::string& file);
// Reads a kernel directory's kernel.json / status.json (read_json_file: schema and kind
// checked). Throw nsm::ResultsError naming the file.
KernelDocument read_kernel_document(const std::string& kernel_dir);
StatusDocument read_status_document(const std::string& kernel_dir);
// Write them into a kernel directory, atomically. Throw nsm::SysError.
void write_kernel_document(const std::string& kernel_dir, const KernelDocument& d);
void write_status_document(const std::string& kernel_dir, const StatusDocument& d);

}  // namespace nsm
