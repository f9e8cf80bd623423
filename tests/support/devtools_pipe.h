// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
// the browser reads commands on its fd 3 and writes answers and events on its fd 4, each
// message one JSON document ended by a NUL byte. No port, no WebSocket, no network.
//
// Why this and not --dump-dom / --screenshot: those cannot report console errors, failed
// loads or exceptions, and each would start a new browser. One browser here loads every
// page, collects every error event, evaluates checks in the page, presses keys, and takes
// the screenshots.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exec.h"
#include "core/unique_fd.h"

namespace nsm::reports::testing {

// The chromium binary: $NSM_CHROMIUM, else `chromium` or `chromium-browser` on PATH; "" if none.
std::string find_chromium();

class DevToolsPipe {
 public:
  // Starts the browser with a fresh profile in `profile_dir`. Throws std::runtime_error.
  static DevToolsPipe launch(const std::string& chromium, const std::string& profile_dir);
  DevToolsPipe(DevToolsPipe&& other) noexcept;
  DevToolsPipe& operator=(DevToolsPipe&&) = delete;
  ~DevToolsPipe();  // Browser.close, then the process group is killed if it lingers

  // Sends a command (to a page when `session` is set) and waits for its answer; events that
  // arrive meanwhile are kept. Throws on an error answer or past the deadline.
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::object(),
                      const std::string& session = "");
  // Waits for an event of `method` (from `session`) not yet taken; returns it.
  nlohmann::json wait_event(const std::string& method, const std::string& session);
  // Every event received so far.
  const std::vector<nlohmann::json>& events() const { return events_; }

  std::chrono::seconds timeout{60};

 private:
  DevToolsPipe() = default;
  nlohmann::json read_message();
  void close();

  std::optional<Program> browser_;
  UniqueFd to_browser_, from_browser_;
  std::string buffer_;
  std::vector<nlohmann::json> events_;
  std::vector<bool> taken_;  // parallel to events_: handed out by wait_event
  int next_id_ = 1;
};

}  // namespace nsm::reports::testing
