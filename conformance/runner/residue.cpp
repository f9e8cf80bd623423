#include "conformance/runner/residue.h"

#include <linux/keyctl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "conformance/harness/mounts.h"
#include "core/error.h"
#include "core/netlink.h"
#include "core/proc.h"

namespace nsm::conformance {

namespace fs = std::filesystem;

namespace {

bool ours(std::string_view name) { return name.starts_with("nsm"); }

// A path with a component named nsm* ("/tmp/nsm-sandbox", "/run/netns/nsm0"): a bare
// substring would also match someone's "/home/gnsmith".
bool has_our_component(const std::string& path) {
  for (const auto& part : fs::path(path))
    if (ours(part.string())) return true;
  return false;
}

// The pid in a name the suite made: "nsm-123-4" (cgroup) -> 123, "nsm-keyring-gap-123"
// (key) -> 123; 0 when the name is not one of the suite's.
int cgroup_owner(const std::string& name) {
  int pid = 0, n = 0;
  char tail = 0;
  if (std::sscanf(name.c_str(), "nsm-%d-%d%c", &pid, &n, &tail) != 2) return 0;
  return pid;
}

int key_owner(const std::string& description) {
  if (!description.starts_with("nsm-")) return 0;
  const auto dash = description.rfind('-');
  const std::string digits = description.substr(dash + 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return 0;
  return std::stoi(digits);
}

bool alive(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::vector<std::string> cgroup_mounts() {
  std::vector<std::string> out;
  for (const auto& m : read_mountinfo())
    if (m.fstype == "cgroup" || m.fstype == "cgroup2") out.push_back(m.mount_point);
  return out;
}

// nsm-* directories below a cgroup mount (directories only, never following links).
void find_cgroups(const std::string& root, std::vector<ResidueItem>& out) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) {
      it.disable_recursion_pending();
      continue;
    }
    if (int owner = cgroup_owner(it->path().filename().string())) out.push_back({"cgroup", it->path().string(), owner});
  }
}

// Keys the caller may see in /proc/keys, by serial, whose description is nsm-*.
void find_keys(std::vector<ResidueItem>& out) {
  auto text = read_file("/proc/keys");
  if (!text) return;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    // "3a5c2b1f I--Q---     1  60s 3f3f0000     0     0 user      nsm-keyring-gap-1: 10"
    std::istringstream f(line);
    std::string serial, flags, usage, timeout, perm, uid, gid, type, description;
    if (!(f >> serial >> flags >> usage >> timeout >> perm >> uid >> gid >> type >> description)) continue;
    if (!description.empty() && description.back() == ':') description.pop_back();
    if (int owner = key_owner(description)) out.push_back({"key", fmt::format("{} {}", serial, description), owner});
  }
}

void remove_one(const ResidueItem& item) {
  if (item.kind == "link") {
    RouteSocket::open().del_link(item.name);
  } else if (item.kind == "netns") {
    if (::umount2(item.name.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) throw_sys(fmt::format("umount2({})", item.name));
    if (::unlink(item.name.c_str()) != 0 && errno != ENOENT) throw_sys(fmt::format("unlink({})", item.name));
  } else if (item.kind == "mount") {
    if (::umount2(item.name.c_str(), MNT_DETACH) != 0 && errno != EINVAL) throw_sys(fmt::format("umount2({}, MNT_DETACH)", item.name));
  } else if (item.kind == "cgroup") {
    // A killed run's children die with it; anything still inside is a straggler of ours.
    if (auto procs = read_file(item.name + "/cgroup.procs")) {
      std::istringstream in(*procs);
      pid_t pid;
      while (in >> pid) ::kill(pid, SIGKILL);
    }
    auto pause = std::chrono::milliseconds(1);
    for (int attempt = 0;; ++attempt) {
      if (::rmdir(item.name.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || attempt == 12) throw_sys(fmt::format("rmdir({})", item.name));
      std::this_thread::sleep_for(pause);  // the killed processes leave asynchronously
      pause *= 2;
    }
  } else if (item.kind == "key") {
    const long serial = std::strtol(item.name.c_str(), nullptr, 16);
    if (::syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial) == 0) return;
    // An expired key cannot be invalidated; unlinked from the user keyring, it has no
    // reference left and the garbage collector takes it.
    if (errno != EKEYEXPIRED || ::syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING) != 0)
      throw_sys(fmt::format("keyctl(KEYCTL_INVALIDATE, {})", item.name));
  } else if (item.kind == "hostname") {
    throw Error("the hostname looks like one a check sets inside its namespace; the original is unknown, set it by hand");
  }
}

}  // namespace

std::vector<ResidueItem> find_residue() {
  std::vector<ResidueItem> out;
  try {
    for (const auto& l : RouteSocket::open().links())
      if (ours(l.name)) out.push_back({"link", l.name});
  } catch (const NetlinkError&) {
    // no rtnetlink here: nothing of ours can be there either
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec))
    if (ours(e.path().filename().string())) out.push_back({"netns", e.path().string()});
  for (const auto& m : read_mountinfo())
    if (has_our_component(m.mount_point) || m.source.starts_with("nsm-")) out.push_back({"mount", m.mount_point});
  for (const auto& root : cgroup_mounts()) find_cgroups(root, out);
  find_keys(out);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && std::string_view(host).starts_with("nsm-")) out.push_back({"hostname", host});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

CleanReport clean_residue() {
  CleanReport report;
  auto pass = [&](const std::vector<std::string>& kinds) {
    std::vector<ResidueItem> items;
    for (const auto& item : find_residue())
      if (std::find(kinds.begin(), kinds.end(), item.kind) != kinds.end() && !alive(item.owner_pid)) items.push_back(item);
    // Deepest paths first: a mount below another, a cgroup below another.
    std::sort(items.begin(), items.end(), [](const ResidueItem& a, const ResidueItem& b) { return a.name.size() > b.name.size(); });
    for (const auto& item : items) {
      try {
        remove_one(item);
        report.removed.push_back(item);
      } catch (const std::exception& e) {
        report.failed.emplace_back(item, e.what());
      }
    }
  };
  pass({"netns"});
  pass({"mount"});
  pass({"link", "cgroup", "key", "hostname"});
  return report;
}

}  // namespace nsm::conformance
