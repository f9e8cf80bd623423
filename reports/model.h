// What a results directory says, loaded and validated (docs/results-format.md): one run of
// one or many kernels. Writers read only this; nothing here touches the file system.
//
// A kernel whose files could not be used keeps the messages in `problems` and is shown as
// infra-error: a reader sees why, never a guessed cell.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "core/ns_types.h"
#include "core/verdict.h"  // a probe's verdict, as the probe writes it

namespace nsm::reports {

enum class KernelStatus { Ok, BootFailed, Timeout, Panic, InfraError };
std::string_view status_name(KernelStatus status);  // "ok", "boot-failed", ...
std::optional<KernelStatus> status_from_name(std::string_view name);

enum class Accel { Native, Kvm, Tcg };
std::string_view accel_name(Accel accel);   // "native", "kvm", "tcg"
std::string_view accel_label(Accel accel);  // "native", "KVM", "TCG (emulated)"
std::optional<Accel> accel_from_name(std::string_view name);

// A flat list of labelled values, in the order the file had them, shown as-is.
using Fields = std::vector<std::pair<std::string, std::string>>;

struct KconfigEvidence {
  std::string symbol, value, line, source;
};

// One real attempt to create the namespace (as root, or rootless).
struct AttemptEvidence {
  bool tried = false;
  bool ok = false;
  std::string call;
  std::optional<std::string> err;  // "EINVAL"
  std::string meaning;
  std::optional<long> uid;
  // The namespace identities the child saw ("net:[4026531840]"): before and after the call,
  // and after setns back into the held one; fault says what they prove when the kernel lied.
  std::optional<std::string> before, after, setns_after;
  std::optional<std::string> fault;
};

struct NamespaceProbe {
  std::string id;  // "probe.ns.time"
  NsType type;
  std::string title;
  Verdict verdict;
  std::string reason;
  std::optional<KconfigEvidence> kconfig;
  std::optional<std::string> proc_ns_path;
  std::optional<bool> proc_ns_present;
  std::optional<std::string> first_version, kernel_version;
  std::optional<bool> new_enough;
  std::optional<AttemptEvidence> attempt, rootless;
  std::string believed;
  std::vector<std::string> disagreements;
};

struct FeatureProbe {
  std::string id;  // "probe.clone3"
  std::string title;
  Verdict verdict;
  std::string reason;
  std::string first_version;
  Fields evidence;
};

struct ProbeReport {
  std::string tool_version, mode;
  std::string release, version, machine, uname_version;
  std::string debian_upstream_version;  // "6.1.176" from a Debian kernel's uname -v
  bool config_found = false;
  std::string config_source, config_header_version, config_error;
  std::optional<bool> config_matches_running;
  std::optional<long> euid;
  std::optional<bool> cap_sys_admin, guest;
  std::optional<bool> in_initial_user_ns;  // process.initial_namespaces.user.initial
  std::vector<NamespaceProbe> namespaces;
  std::vector<FeatureProbe> features;

  const NamespaceProbe* find(NsType type) const;
  const FeatureProbe* find_feature(std::string_view id) const;
};

struct Metric {
  std::string name;  // "time"
  double value = 0;
  std::string unit;  // "us"
  std::optional<double> stddev, cv;
  std::optional<long> repetitions;
  bool lower_is_better = true;
  std::string benchmark;  // "BM_CloneNew/net"
};

// A conformance check or a benchmark, as it ran on one kernel.
struct CheckResult {
  std::string id;
  CheckKind kind;
  std::optional<NsType> type;
  std::string title;
  std::string test;  // GoogleTest name, conformance only
  // Why the check exists: "CVE-2022-0492", "fix: 24f600856418 (...)", "LTP pidns05".
  std::vector<std::string> refs;
  Outcome outcome;
  std::string reason, message;
  std::optional<double> duration_seconds;
  std::vector<Metric> metrics;  // benchmarks only
};

struct CheckFile {
  std::string tool_version;
  std::string mode;  // bench only: "quick" or "full"
  std::vector<CheckResult> checks;
  const CheckResult* find(std::string_view id) const;
};

struct KernelInfo {
  std::string id, release, version;
  std::string source_type;  // running, debian, file, build, unknown
  Fields source;            // the source's other fields, as written (lists joined with ", ")
  std::optional<Accel> accel;
  std::string accel_reason;  // "no /dev/kvm", "requested", ...
  std::string qemu_version, machine, config_source;
  std::string cmdline, image;        // VM runs: the guest's command line, the bzImage booted
  std::vector<std::string> modules;  // VM runs: loaded in this order
  std::optional<double> boot_seconds;
};

struct Splat {
  std::string kind, line;
};

// One stage the guest ran (nsmatrix probe, test, bench): how it ended, and why it gave no
// usable results when it did not.
struct StageRecord {
  std::string name, command, end;  // "conformance", "/usr/lib/nsmatrix/nsmatrix test ...", "exited with status 1"
  std::optional<long> exit_code;
  std::optional<double> seconds;
  bool results = false;
  std::string error;  // empty: the stage's results are usable
};

// A step of the guest's setup (a module loaded, lo brought up, a mount): ok, or why not.
struct GuestStep {
  std::string name;
  bool ok = true;
  std::string error;
};

struct StatusInfo {
  KernelStatus status;
  std::string reason;
  std::vector<std::pair<std::string, double>> durations;  // "boot_seconds", 1.8
  std::vector<Splat> splats;
  std::optional<long> splat_count;  // all of them, when more than the listed (VM runs)
  std::vector<std::string> limits;  // caps the host applied to what the guest sent
  std::optional<long> guest_exit_code;
  // VM runs: what the guest reported.
  std::vector<StageRecord> stages;
  std::vector<GuestStep> modules;
  std::vector<GuestStep> setup_failures;  // root, loopback and mounts that failed
  std::optional<double> duration(std::string_view name) const;
};

struct KernelResults {
  std::string id;   // the directory's name: "host", "debian-6.1-cloud"
  std::string dir;  // its path
  std::optional<KernelInfo> kernel;
  std::optional<StatusInfo> status;
  std::optional<ProbeReport> probe;
  std::optional<CheckFile> conformance;
  std::optional<CheckFile> bench;
  std::optional<std::string> console_tail;  // the last lines of console.log
  bool console_truncated = false;
  // Every file that could not be used, each message naming the file. Non-empty means the
  // kernel is shown as infra-error.
  std::vector<std::string> problems;
  // Said but not judged: text that had to be repaired to be shown (bytes not UTF-8).
  std::vector<std::string> notes;

  // The status a reader is shown: infra-error when a file was unusable or status.json is
  // missing; otherwise status.json's.
  KernelStatus effective_status() const;
  std::string effective_reason() const;
  // Why the kernel is infra-error, one line per cause: its problems, or the missing status.
  std::vector<std::string> infra_reasons() const;
  std::optional<Accel> accel() const { return kernel ? kernel->accel : std::nullopt; }
  // "6.1.0-28-cloud-amd64" from kernel.json, else probe.json, else "".
  std::string release() const;
};

// run.json's "matrix": how `nsmatrix matrix` ran (or that it only collected results).
struct MatrixInfo {
  std::optional<long> jobs;
  std::string accel, machine;
  std::optional<double> timeout_seconds;
  bool collected = false;
};

struct RunInfo {
  std::string tool_version, run_id;
  std::string hostname, host_release;
  std::optional<long> host_cpus;
  std::string started, ended;
  std::vector<std::string> kernels;
  std::optional<MatrixInfo> matrix;
};

// runtimes.json (`nsmatrix runtimes`, runtimes/README.md): what each container runtime
// isolated, seen from inside and from the host.

struct RuntimeGap {
  std::string id, title;
  Outcome outcome;
  std::string evidence;
};

struct RuntimeCase {
  std::string runtime, profile, version;
  Outcome outcome;  // ran: Pass; skip: Skip; broken: Broken
  std::string why;  // a skip's or a breakage's
  // For each of the eight types: new (true), the host's (false), unknown (nullopt).
  std::vector<std::pair<NsType, std::optional<bool>>> namespaces;
  std::vector<std::string> capabilities;     // effective, "CAP_*"
  std::string seccomp;                       // "disabled", "strict", "filter"
  std::vector<std::string> seccomp_refused;  // the probed calls stopped before the kernel
  std::optional<bool> uid_identity;          // uid 0 inside is the host's uid 0 (identity map)
  std::vector<std::string> bridges;          // the host bridges its veth peers are on
  std::vector<RuntimeGap> gaps;
  std::string name() const { return runtime + "/" + profile; }
  const RuntimeGap* find_gap(std::string_view id) const;
};

struct RuntimesReport {
  std::string started, kernel;
  std::vector<RuntimeCase> cases;
  std::vector<std::string> teardown;
  // Every gap id any case judged, in first-seen order.
  std::vector<std::pair<std::string, std::string>> gap_ids() const;  // id, title
};

struct RunResults {
  std::string dir;
  std::optional<RunInfo> run;
  std::optional<RuntimesReport> runtimes;  // DIR/runtimes.json, when there is one
  std::vector<std::string> problems;       // run-level: run.json unusable, a listed kernel missing
  std::vector<std::string> notes;          // run-level text repaired to be shown
  std::vector<KernelResults> kernels;

  // run.json's run_id, else the directory's name.
  std::string run_id() const;
  // Every problem, run-level and per kernel, for stderr.
  std::vector<std::string> all_problems() const;
};

}  // namespace nsm::reports
