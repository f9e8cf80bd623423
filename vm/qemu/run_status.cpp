#include "vm/qemu/run_status.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/protocol/frame.h"
#include "vm/protocol/guest_layout.h"

namespace nsm::vm {

namespace {

std::string last_line_of(const std::string& text) {
  const std::string t = trim(text);
  const size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// The reason a guest that reported exit status 1 or 2 gives: its stages' or init's errors.
std::string guest_failure(const nlohmann::json& guest, int exit_code) {
  std::string reason;
  if (guest.is_object()) {
    if (guest.contains("error") && guest["error"].is_string())
      reason = "nsmatrix-init failed: " + guest["error"].get<std::string>();
    if (guest.contains("stages") && guest["stages"].is_array())
      for (const auto& s : guest["stages"])
        if (s.contains("error") && s["error"].is_string())
          reason += fmt::format("{}stage {}: {}", reason.empty() ? "" : "; ", s.value("name", "?"),
                                s["error"].get<std::string>());
  }
  return reason.empty() ? fmt::format("the guest reported exit status {}", exit_code) : reason;
}

RunStatus judge_run_raw(const RunEvidence& e);

}  // namespace

std::string printable(std::string_view text, size_t max_bytes) {
  std::string out;
  for (const char c : text.substr(0, max_bytes)) {
    const auto u = static_cast<unsigned char>(c);
    // Control characters (escape sequences for the host's terminal) shown, not sent.
    if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  if (text.size() > max_bytes) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

RunStatus judge_run(const RunEvidence& e) {
  RunStatus v = judge_run_raw(e);
  // The reason quotes the guest (console lines, its errors): it reaches terminals and reports.
  v.reason = printable(v.reason, 2000);
  return v;
}

namespace {

RunStatus judge_run_raw(const RunEvidence& e) {
  RunStatus v;
  const ConsoleFacts console = scan_console(e.console);
  v.splats = console.splats;
  v.splat_count = console.splat_count;
  v.init_started = console.init_started;

  if (!e.start_error.empty()) {
    v.status = "infra-error";
    v.reason = "cannot start QEMU: " + e.start_error;
    return v;
  }

  const DecodedFrame status = decode_frame(e.status_stream, layout::kStatusFrame);
  if (status.state == DecodedFrame::State::Complete) {
    try {
      const auto doc = parse_json_bounded(status.payload);
      // An integer in range, checked: get<int>() of 1e300 is undefined behaviour.
      const auto& code = doc.at("exit_code");
      if (!code.is_number_integer() || code.get<int64_t>() < 0 || code.get<int64_t>() > 255)
        throw ToolError(fmt::format("exit_code is not an exit status: {}",
                                    code.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace).substr(0, 100)));
      v.guest_exit_code = static_cast<int>(code.get<int64_t>());
    } catch (const std::exception& ex) {
      v.status = "infra-error";
      v.reason = fmt::format("the status frame is not the expected JSON: {}", ex.what());
      return v;
    }
    const DecodedFrame results = decode_frame(e.results_stream, layout::kResultsFrame);
    if (results.state != DecodedFrame::State::Complete) {
      v.status = "infra-error";
      v.reason = fmt::format("the guest finished (exit status {}) but its results did not arrive whole: {}",
                             *v.guest_exit_code, results.problem);
      return v;
    }
    try {
      v.results = unpack_bundle(results.payload, {}, &v.dropped);
      if (auto g = v.results->find(std::string(result_files::kGuest)); g != v.results->end())
        v.guest = parse_json_bounded(g->second);
    } catch (const std::exception& ex) {
      v.status = "infra-error";
      v.reason = fmt::format("the results frame arrived but cannot be unpacked: {}", ex.what());
      v.results.reset();
      return v;
    }
    if (*v.guest_exit_code == 0) {
      v.status = "ok";
    } else {
      v.status = "infra-error";
      v.reason = guest_failure(v.guest, *v.guest_exit_code);
    }
    return v;
  }

  // No (whole) status frame: the guest did not get to the end of init.
  const std::string partial =
      status.state == DecodedFrame::State::Missing ? "" : fmt::format(" (status channel: {})", status.problem);
  if (console.panicked()) {
    v.status = "panic";
    v.reason = console.panic_line + partial;
    return v;
  }
  if (e.timed_out) {
    v.status = "timeout";
    v.reason = console.init_started
                   ? fmt::format("the guest did not finish within {:.0f} s; last console line: {}", e.timeout_seconds,
                                 console.last_line)
                   : fmt::format("the kernel did not reach /init within {:.0f} s; last console line: {}",
                                 e.timeout_seconds, console.last_line.empty() ? "(none)" : console.last_line);
    return v;
  }
  if (e.qemu_signal) {
    v.status = "infra-error";
    v.reason = fmt::format("QEMU was killed by signal {}", *e.qemu_signal);
    return v;
  }
  if (e.qemu_exit_code && *e.qemu_exit_code != 0) {
    const std::string said = last_line_of(e.qemu_stderr);
    // QEMU refuses an image it cannot load ("linux kernel too old...", "Error loading
    // uncompressed kernel without PVH ELF Note"): the kernel's fault, not ours.
    const bool about_kernel = said.find("kernel") != std::string::npos || said.find("Kernel") != std::string::npos;
    v.status = about_kernel && e.console.empty() ? "boot-failed" : "infra-error";
    v.reason = fmt::format("QEMU exited with status {}: {}", *e.qemu_exit_code, said.empty() ? "(no message)" : said);
    return v;
  }
  if (!console.init_started) {
    v.status = "boot-failed";
    v.reason = fmt::format("the VM reset before the kernel reached /init{}; last console line: {}", partial,
                           console.last_line.empty() ? "(none)" : console.last_line);
    return v;
  }
  v.status = "infra-error";
  v.reason = fmt::format("the guest ended without sending its exit status{}; last console line: {}", partial,
                         console.last_line);
  return v;
}

}  // namespace

}  // namespace nsm::vm
