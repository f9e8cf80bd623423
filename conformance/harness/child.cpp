#include "conformance/harness/child.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "conformance/harness/check.h"
#include "core/error.h"
#include "core/ns_types.h"
#include "probes/requirements.h"

namespace nsm::conformance {

namespace {
constexpr uid_t kNobody = 65534;
// A child waits for the test at most this long: the test is itself bounded by its own
// deadline on the child, so this only matters when the test went away.
constexpr std::chrono::milliseconds kChildRecvTimeout{60'000};

std::string describe(const ChildSpec& spec) {
  return spec.clone_flags ? fmt::format("child {}", clone_flags_name(spec.clone_flags)) : std::string("child");
}
}  // namespace

bool container_is_rootless() { return ::geteuid() != 0; }

ChildSpec container(int ns_flags) {
  ChildSpec spec(ns_flags);
  if (!container_is_rootless()) return spec;
  Requirements rootless;
  rootless.rootless = true;
  rootless.namespaces.push_back(NsType::User);
  if (auto why = unmet_requirement(rootless))
    skip_check(fmt::format("running unprivileged, which needs a rootless container: {}", *why));
  spec.clone_flags |= CLONE_NEWUSER;
  spec.id_map = IdMap::root_is(::geteuid(), ::getegid());
  return spec;
}

void skip_unless_caller_may_create_user_ns() {
  if (container_is_rootless()) (void)container(0);
}

ChildSpec in_own_user_ns(int ns_flags) {
  if (container_is_rootless()) return container(ns_flags);  // adds the user namespace
  ChildSpec spec(ns_flags | CLONE_NEWUSER);
  spec.id_map = IdMap::root_is(0, 0);
  return spec;
}

void Link::send(const nlohmann::json& message, std::span<const int> fds) { channel_->send(message.dump(), fds); }

nlohmann::json Link::recv() {
  auto message = channel_->expect(kChildRecvTimeout, "the test's next message");
  return nlohmann::json::parse(message.data);
}

Peer Peer::spawn(const ChildSpec& spec, std::function<void(Link&)> body) {
  SpawnOptions options;
  options.clone_flags = spec.clone_flags;
  options.timeout = spec.timeout;
  options.id_map = spec.id_map;
  try {
    Child child = Child::spawn(options, [body = std::move(body)](Channel& channel) {
      Link link(channel);
      body(link);
      return 0;
    });
    return Peer(std::move(child), describe(spec));
  } catch (const SysError& e) {
    throw Broken(fmt::format("could not create the {}: {}", describe(spec), e.what()));
  }
}

void Peer::fail_recv(const std::string& why) {
  child_.kill_group();
  const ChildStatus status = child_.wait();
  throw_if_kernel_fault(status);
  throw Broken(fmt::format("the {} {}; it {}", what_, why, status.describe()));
}

nlohmann::json Peer::recv() {
  std::vector<UniqueFd> ignored;
  return recv(ignored);
}

nlohmann::json Peer::recv(std::vector<UniqueFd>& fds) {
  std::optional<Channel::Message> message;
  try {
    message = child_.channel().recv(child_.time_left());
  } catch (const TimeoutError&) {
    fail_recv("did not answer in time");
  }
  if (!message) fail_recv("ended before answering");
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(message->data);
  } catch (const nlohmann::json::exception& e) {
    fail_recv(fmt::format("sent something that is not JSON ({})", e.what()));
  }
  fds = std::move(message->fds);
  hold_point();
  return value;
}

std::optional<nlohmann::json> Peer::recv_unless_ended() {
  std::optional<Channel::Message> message;
  try {
    message = child_.channel().recv(child_.time_left());
  } catch (const TimeoutError&) {
    fail_recv("did not answer in time");
  }
  if (!message) return std::nullopt;
  try {
    return nlohmann::json::parse(message->data);
  } catch (const nlohmann::json::exception& e) {
    fail_recv(fmt::format("sent something that is not JSON ({})", e.what()));
  }
}

void Peer::send(const nlohmann::json& message) {
  try {
    child_.channel().send(message.dump());
  } catch (const SysError& e) {
    fail_recv(fmt::format("could not be told the next step ({})", e.what()));
  }
}

ChildStatus Peer::wait() { return child_.wait(); }

void Peer::finish() {
  const ChildStatus status = child_.wait();
  throw_if_kernel_fault(status);
  if (!status.ok()) throw Broken(fmt::format("the {} {}", what_, status.describe()));
}

nlohmann::json in_child(const ChildSpec& spec, const std::function<nlohmann::json()>& fn) {
  Peer peer = Peer::spawn(spec, [&fn](Link& link) { link.send(fn()); });
  nlohmann::json answer = peer.recv();
  peer.finish();
  return answer;
}

void become_rootless_user() {
  if (::geteuid() == 0) become_unprivileged(kNobody, kNobody);
  enter_own_user_namespace();
}

void become_root_inside() {
  if (::setresgid(0, 0, 0) != 0) throw_sys("setresgid(0) inside");
  if (::setresuid(0, 0, 0) != 0) throw_sys("setresuid(0) inside");
}

void throw_if_kernel_fault(const ChildStatus& status) {
  if (status.kernel_fault) throw KernelFault(status.error.value_or("a child found the kernel at fault"));
}

int errno_of(long result) { return result < 0 ? errno : 0; }

std::string outcome_of(long result) { return result < 0 ? errno_name(errno) : std::string("ok"); }

}  // namespace nsm::conformance
