// Connected sockets between two endpoints in namespaces (core/topology.h), for the data-path
// benchmarks. Each socket is opened inside its endpoint's namespace (NetNs::socket, on a
// helper thread); after that any thread uses it without changing namespace. Every socket
// has send and receive timeouts, so a stalled peer ends a benchmark as broken, not as a hang.
#pragma once

#include <cstddef>
#include <span>

#include "core/topology.h"
#include "core/unique_fd.h"

namespace nsm::bench {

struct ConnectedSockets {
  UniqueFd client;
  UniqueFd server;
};

// TCP from `client` to a listener on `server` (an ephemeral port), accepted. `nodelay` turns
// Nagle's algorithm off on both ends (request-response does, a stream does not).
ConnectedSockets connect_tcp(const NetEndpoint& client, const NetEndpoint& server, bool nodelay);
// UDP sockets bound on both endpoints and connected to each other.
ConnectedSockets connect_udp(const NetEndpoint& client, const NetEndpoint& server);

// Whole buffers over a blocking socket. send_all throws SysError; recv_all returns false on
// EOF before the first byte and throws on EOF in the middle or on an error/timeout.
void send_all(int fd, std::span<const std::byte> data);
bool recv_all(int fd, std::span<std::byte> data);

}  // namespace nsm::bench
