#include "tests/support/devtools_pipe.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace nsm::reports::testing {

namespace {

using Clock = std::chrono::steady_clock;

// The brief's flags: no sandbox (root in a container), no GPU, nothing that phones home.
std::vector<std::string> chromium_args(const std::string& chromium, const std::string& profile_dir) {
  return {chromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          "--disable-dev-shm-usage",
          "--hide-scrollbars",
          "--mute-audio",
          "--user-data-dir=" + profile_dir,
          "--remote-debugging-pipe",
          "about:blank"};
}

}  // namespace

std::string find_chromium() {
  if (const char* env = std::getenv("NSM_CHROMIUM"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser"}) {
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t colon = std::min(dirs.find(':', start), dirs.size());
      const std::string candidate = dirs.substr(start, colon - start) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      start = colon + 1;
    }
  }
  return "";
}

DevToolsPipe DevToolsPipe::launch(const std::string& chromium, const std::string& profile_dir) {
  // A write to a browser that died must be an error to report, not SIGPIPE for the test.
  ::signal(SIGPIPE, SIG_IGN);
  auto [browser_reads, we_write] = make_pipe();
  auto [we_read, browser_writes] = make_pipe();
  ProgramOptions options;
  // The browser's own log goes to a file beside its profile: it is noisy (no D-Bus here).
  options.output = Output::File;
  options.output_path = profile_dir + "/chromium.log";
  options.fds = {{3, browser_reads.get()}, {4, browser_writes.get()}};
  options.timeout = std::chrono::minutes(30);  // it lives as long as the test; close() ends it
  DevToolsPipe pipe;
  pipe.browser_ = Program::start(chromium_args(chromium, profile_dir), options);
  pipe.to_browser_ = std::move(we_write);
  pipe.from_browser_ = std::move(we_read);
  return pipe;
}

DevToolsPipe::DevToolsPipe(DevToolsPipe&& other) noexcept
    : timeout(other.timeout),
      browser_(std::exchange(other.browser_, std::nullopt)),  // the moved-from pipe must not close the browser
      to_browser_(std::move(other.to_browser_)),
      from_browser_(std::move(other.from_browser_)),
      buffer_(std::move(other.buffer_)),
      events_(std::move(other.events_)),
      taken_(std::move(other.taken_)),
      next_id_(other.next_id_) {}

DevToolsPipe::~DevToolsPipe() { close(); }

void DevToolsPipe::close() {
  if (!browser_) return;
  if (to_browser_) {
    const std::string msg = nlohmann::json{{"id", next_id_++}, {"method", "Browser.close"}}.dump() + '\0';
    (void)!::write(to_browser_.get(), msg.data(), msg.size());
  }
  to_browser_.reset();
  // Browser.close ends it within moments; past ten seconds its whole group is killed, and
  // any helper it left in its group goes when it ends.
  browser_->deadline_in(std::chrono::seconds(10));
  browser_->finish();
  browser_.reset();
}

nlohmann::json DevToolsPipe::read_message() {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto nul = buffer_.find('\0'); nul != std::string::npos) {
      std::string text = buffer_.substr(0, nul);
      buffer_.erase(0, nul + 1);
      return nlohmann::json::parse(text);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw std::runtime_error("chromium: no answer within the deadline");
    struct pollfd p {
      from_browser_.get(), POLLIN, 0
    };
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char chunk[65536];
    const ssize_t got = ::read(from_browser_.get(), chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw std::runtime_error("chromium closed the DevTools pipe (did it start? try running it by hand)");
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

nlohmann::json DevToolsPipe::call(const std::string& method, nlohmann::json params, const std::string& session) {
  const int id = next_id_++;
  nlohmann::json msg = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) msg["sessionId"] = session;
  const std::string text = msg.dump() + '\0';
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(to_browser_.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("write to chromium failed: errno " + std::to_string(errno));
    done += static_cast<size_t>(n);
  }
  for (;;) {
    nlohmann::json answer = read_message();
    if (!answer.contains("id")) {
      events_.push_back(std::move(answer));
      continue;
    }
    if (answer["id"] != id) continue;
    if (answer.contains("error")) throw std::runtime_error(method + ": " + answer["error"].dump());
    return answer.value("result", nlohmann::json::object());
  }
}

nlohmann::json DevToolsPipe::wait_event(const std::string& method, const std::string& session) {
  auto matches = [&](const nlohmann::json& e) {
    return e.value("method", "") == method && e.value("sessionId", "") == session;
  };
  for (;;) {
    taken_.resize(events_.size(), false);
    for (size_t i = 0; i < events_.size(); ++i)
      if (!taken_[i] && matches(events_[i])) {
        taken_[i] = true;
        return events_[i];
      }
    nlohmann::json msg = read_message();
    if (!msg.contains("id")) events_.push_back(std::move(msg));
  }
}

}  // namespace nsm::reports::testing
