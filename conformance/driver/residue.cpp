#include "conformance/driver/residue.h"

#include <linux/keyctl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
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

// A path with a component named nsm* ("/tmp/nsm-sandbox", "/run/netns/nsm0"): listed, as a
// user's "/home/nsmith" is too; only the mount source marks a mount as the suite's.
bool has_our_component(const std::string& path) {
  for (const auto& part : fs::path(path))
    if (ours(part.string())) return true;
  return false;
}

// "nsm-123-4-p4026531836" (cgroup) -> 123 and 4026531836; false for any other name.
bool cgroup_owner(const std::string& name, int& pid, unsigned long& pidns) {
  int n = 0;
  char tail = 0;
  return std::sscanf(name.c_str(), "nsm-%d-%d-p%lu%c", &pid, &n, &pidns, &tail) == 3 && pid > 0;
}

// "nsm-keyring-gap-p4026531836-123" (key) -> 123 and 4026531836.
bool key_owner(const std::string& description, int& pid, unsigned long& pidns) {
  if (!description.starts_with("nsm-")) return false;
  const auto dash = description.rfind('-');
  const auto p = description.rfind("-p", dash == std::string::npos || dash == 0 ? std::string::npos : dash - 1);
  if (dash == std::string::npos || p == std::string::npos) return false;
  char tail = 0;
  return std::sscanf(description.c_str() + p, "-p%lu-%d%c", &pidns, &pid, &tail) == 2 && pid > 0;
}

// Whether the process that made an object may still be running. A pid is a pid only in its
// own pid namespace: from another one nothing can be told, so the owner counts as alive
// (the object is left alone). A reused pid makes a dead owner look alive: the same, safe.
bool alive(int pid, unsigned long pidns) {
  if (pid <= 0) return false;
  if (pidns != own_pidns()) return true;
  return ::kill(pid, 0) == 0 || errno == EPERM;
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
    int pid = 0;
    unsigned long pidns = 0;
    const std::string path = it->path().string();
    if (cgroup_owner(it->path().filename().string(), pid, pidns)) {
      out.push_back({"cgroup", path, pid, true, pidns});
    } else if (const auto top = path.substr(root.size()).substr(0, path.find('/', root.size() + 1) - root.size());
               find_runtime_run_marker(top, pid, pidns)) {
      // Below a top-level cgroup named with a runtimes run's marker (the cgroup parent it
      // gives docker, podman, runc, crun; LXC's lxc.payload.<container name>): the run's.
      out.push_back({"cgroup", path, pid, true, pidns});
    }
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
    int pid = 0;
    unsigned long pidns = 0;
    if (key_owner(description, pid, pidns))
      out.push_back({"key", fmt::format("{} {}", serial, description), pid, true, pidns});
  }
}

// A path below a runtimes run's work directory (/var/lib/nsm-rt-<pid>-p<ns>/...): its owner.
bool runtime_work_path(const std::string& path, int& pid, unsigned long& pidns) {
  const std::string parent = std::string(kRuntimeWorkParent) + "/nsm-rt-";
  return path.starts_with(parent) && find_runtime_run_marker(path.substr(kRuntimeWorkParent.size() + 1), pid, pidns);
}

// Processes whose command line holds a runtimes run's marker: the held inside view (its
// token), the daemons started for the run and their shims (they name its work directory);
// or whose environment does: rootless podman's pause process (`catatonit -P`, which keeps
// its user namespace for the next podman) has the run's XDG_RUNTIME_DIR.
void find_runtime_processes(std::vector<ResidueItem>& out) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == ::getpid()) continue;
    auto cmdline = read_file(e.path().string() + "/cmdline");
    if (!cmdline || cmdline->empty()) continue;
    std::replace(cmdline->begin(), cmdline->end(), '\0', ' ');
    int pid = 0;
    unsigned long pidns = 0;
    auto environment = [&] { return read_file(e.path().string() + "/environ").value_or(""); };
    if (find_runtime_run_marker(*cmdline, pid, pidns) || find_runtime_run_marker(environment(), pid, pidns))
      out.push_back({"process", fmt::format("{} {}", name, trim(cmdline->substr(0, 160))), pid, true, pidns});
  }
}

void find_runtime_dirs(std::vector<ResidueItem>& out) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(std::string(kRuntimeWorkParent), ec)) {
    int pid = 0;
    unsigned long pidns = 0;
    const std::string path = e.path().string();
    if (e.is_directory(ec) && !e.is_symlink(ec) && runtime_work_path(path, pid, pidns) &&
        e.path().filename().string() == fmt::format("nsm-rt-{}-p{}", pid, pidns))
      out.push_back({"dir", path, pid, true, pidns});
  }
}

void remove_work_dir(const std::string& path) {
  // Never delete through a mount: whatever is still mounted below is not a file of ours.
  for (const auto& m : read_mountinfo())
    if (m.mount_point.starts_with(path + "/"))
      throw ToolError(fmt::format("{} is still mounted below it", m.mount_point));
  fs::remove_all(path);  // removes symlinks, never follows them
}

void remove_one(const ResidueItem& item) {
  if (item.kind == "link") {
    RouteSocket::open().del_link(item.name);
  } else if (item.kind == "mount") {
    // UMOUNT_NOFOLLOW: a symlink put where the mount point was is not followed elsewhere.
    if (::umount2(item.name.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL)
      throw_sys(fmt::format("umount2({}, MNT_DETACH|UMOUNT_NOFOLLOW)", item.name));
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
  } else if (item.kind == "process") {
    kill_and_wait(std::stoi(item.name));  // item.name: "<pid> <command line>"
  } else if (item.kind == "dir") {
    if (const std::string left = undo_var_lib_containers(item.name); !left.empty()) throw ToolError(left);
    remove_work_dir(item.name);
  } else if (item.kind == "hostname") {
    throw ToolError(
        "the hostname looks like one a check sets inside its namespace; the original is unknown, set it by hand");
  }
}

}  // namespace

std::vector<std::string> cgroup_mounts() {
  std::vector<std::string> out;
  for (const auto& m : read_mountinfo())
    if (m.fstype == "cgroup" || m.fstype == "cgroup2") out.push_back(m.mount_point);
  return out;
}

void kill_and_wait(pid_t pid) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (::kill(pid, SIGKILL) != 0) {
    if (pidfd >= 0) ::close(pidfd);
    if (errno == ESRCH) return;
    throw_sys(fmt::format("kill({}, SIGKILL)", pid));
  }
  if (pidfd < 0) return;
  struct pollfd p {
    pidfd, POLLIN, 0
  };
  const int r = ::poll(&p, 1, 5000);  // an exit is immediate; a stuck one (D state) is reported
  ::close(pidfd);
  if (r == 0) throw ToolError(fmt::format("process {} did not end within 5 s of SIGKILL", pid));
}

std::string undo_var_lib_containers(const std::string& work_dir) {
  if (!fs::exists(work_dir + "/" + std::string(kMadeVarLibContainers))) return "";
  const std::string top = "/var/lib/containers", cache = top + "/cache";
  if (::unlink((cache + "/blob-info-cache-v1.boltdb").c_str()) != 0 && errno != ENOENT)
    return fmt::format("unlink({}/blob-info-cache-v1.boltdb): {}", cache, errno_name(errno));
  // rmdir, never a recursive removal: anything else in there is not ours, and stays.
  for (const std::string& dir : {cache, top})
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
      return fmt::format("{} (made by podman during the run) is not empty: left as it is", dir);
  return "";
}

std::string runtime_run_marker() { return fmt::format("nsm-rt-{}-p{}", ::getpid(), own_pidns()); }

bool find_runtime_run_marker(std::string_view text, int& pid, unsigned long& pidns) {
  for (auto at = text.find("nsm-rt-"); at != std::string_view::npos; at = text.find("nsm-rt-", at + 1)) {
    const std::string tail(text.substr(at, 48));
    if (std::sscanf(tail.c_str(), "nsm-rt-%d-p%lu", &pid, &pidns) == 2 && pid > 0 && pidns > 0) return true;
  }
  return false;
}

std::vector<ResidueItem> find_residue() {
  std::vector<ResidueItem> out;
  try {
    for (const auto& l : RouteSocket::open().links()) {
      ResidueItem item{"link", l.name};
      item.marked = parse_link_marker(l.alias, item.owner_pid, item.owner_pidns);
      if (ours(l.name) || item.marked) out.push_back(item);
    }
  } catch (const NetlinkError&) {
    // no rtnetlink here: nothing of ours can be there either
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec))
    if (ours(e.path().filename().string()))
      out.push_back({"netns", e.path().string()});  // never marked: the suite names none
  for (const auto& m : read_mountinfo()) {
    ResidueItem item{"mount", m.mount_point, 0, m.source.starts_with("nsm-")};
    // Below a runtimes run's work directory everything is the run's (overlays, netns binds).
    if (runtime_work_path(m.mount_point, item.owner_pid, item.owner_pidns)) item.marked = true;
    if (item.marked || has_our_component(m.mount_point)) out.push_back(item);
  }
  find_runtime_processes(out);
  find_runtime_dirs(out);
  for (const auto& root : cgroup_mounts()) find_cgroups(root, out);
  find_keys(out);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && std::string_view(host).starts_with("nsm-"))
    out.push_back({"hostname", host, 0, true});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

CleanReport clean_where(const std::function<bool(const ResidueItem&)>& removable) {
  CleanReport report;
  auto pass = [&](const std::vector<std::string>& kinds) {
    std::vector<ResidueItem> items;
    for (const auto& item : find_residue())
      if (item.marked && std::find(kinds.begin(), kinds.end(), item.kind) != kinds.end() && removable(item))
        items.push_back(item);
    // Deepest paths first: a mount below another, a cgroup below another.
    std::sort(items.begin(), items.end(),
              [](const ResidueItem& a, const ResidueItem& b) { return a.name.size() > b.name.size(); });
    for (const auto& item : items) {
      try {
        remove_one(item);
        report.removed.push_back(item);
      } catch (const std::exception& e) {
        report.failed.emplace_back(item, e.what());
      }
    }
  };
  pass({"process"});  // first: a process holds mounts, cgroups, links
  pass({"mount"});
  pass({"dir", "link", "cgroup", "key", "hostname"});
  return report;
}

}  // namespace

CleanReport clean_residue() {
  return clean_where([](const ResidueItem& item) { return !alive(item.owner_pid, item.owner_pidns); });
}

CleanReport clean_residue_of(int pid, unsigned long pidns) {
  return clean_where([&](const ResidueItem& item) { return item.owner_pid == pid && item.owner_pidns == pidns; });
}

unsigned long own_pidns() {
  struct stat st {};
  return ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

bool parse_link_marker(std::string_view alias, int& pid, unsigned long& pidns) {
  char tail = 0;
  return alias.starts_with("nsmatrix pid=") &&
         std::sscanf(std::string(alias).c_str(), "nsmatrix pid=%d pidns=%lu%c", &pid, &pidns, &tail) == 2 && pid > 0;
}

}  // namespace nsm::conformance
