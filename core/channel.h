// Messages between a parent and a child it spawned: one end of a SOCK_SEQPACKET socketpair.
// A message keeps its boundaries and may carry file descriptors (SCM_RIGHTS), so a child can
// hand back a namespace fd or a socket it opened inside a namespace.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/unique_fd.h"

namespace nsm {

class Channel {
 public:
  struct Message {
    std::string data;
    std::vector<UniqueFd> fds;
  };

  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}
  // Two connected ends, close-on-exec.
  static std::pair<Channel, Channel> make_pair();

  // Sends one message, with optional fds. Throws SysError (EPIPE when the peer is gone).
  void send(std::string_view data, std::span<const int> fds = {});
  // Receives one message of any size. nullopt when the peer closed its end (EOF).
  // Throws nsm::TimeoutError on timeout ("no message within N ms") and SysError on failure.
  std::optional<Message> recv(std::chrono::milliseconds timeout);
  // recv() that treats EOF as an error naming `what` the caller waited for.
  Message expect(std::chrono::milliseconds timeout, std::string_view what);

  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
};

}  // namespace nsm
