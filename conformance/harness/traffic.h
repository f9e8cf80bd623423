// Traffic between network namespaces held by fds (core/netns.h). A socket belongs to the
// namespace it was created in, whatever thread uses it afterwards, so only socket(2) runs
// on a helper thread inside the namespace; bind, connect, send and receive run here. Every
// wait is bounded. Results are data (an empty string means it worked; otherwise what went
// wrong, with the errno's name), so that a check can assert on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/netns.h"
#include "core/unique_fd.h"

namespace nsm::conformance {

// Long enough for a first SYN lost to ARP on a fresh link, short enough for a hung check.
inline constexpr std::chrono::milliseconds kTrafficTimeout{4000};

// A listening TCP socket on addr:port inside `ns`. Throws SysError (a setup failure).
UniqueFd tcp_listen(const NetNs& ns, const std::string& addr, uint16_t port);

// connect(2) from `ns` to addr:port: 0 on success, else the errno (ETIMEDOUT when no answer
// came within the timeout). The connected socket is returned through `out` when given.
int tcp_connect(const NetNs& ns, const std::string& addr, uint16_t port, UniqueFd* out = nullptr);

// A listener in `server` at addr:port accepts a connection from `client`, which sends
// "ping"; the server answers "pong". "" when it worked, else the step that failed.
std::string tcp_round_trip(const NetNs& server, const std::string& addr, uint16_t port, const NetNs& client);

// The same with UDP datagrams: "ping" to the server, "pong" back to the sender.
std::string udp_round_trip(const NetNs& server, const std::string& addr, uint16_t port, const NetNs& client);

// bind(2) of a fresh socket of `type` (SOCK_STREAM, SOCK_DGRAM) to addr:port in `ns`:
// 0 or the errno. The bound socket is kept in `out` when given.
int bind_in(const NetNs& ns, int type, const std::string& addr, uint16_t port, UniqueFd* out = nullptr);

}  // namespace nsm::conformance
