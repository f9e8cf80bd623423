// What a killed run could leave on the host, found and removed (`nsmatrix clean`), and
// found again by the residue test (tests/conformance) to prove nothing is left.
//
// nsm-named objects are found (through netlink and the kernel's own files) and listed, but
// clean removes only those that carry the suite's marker, recorded when it made them — a
// name is not a marker (a user's "nsmvpn" link, "/home/nsmith"):
//   link     a network device in this network namespace named nsm*; marked by its ifalias
//            "nsmatrix pid=<pid> pidns=<inode>" (set on links made in the namespace the run started in)
//   netns    a named network namespace /run/netns/nsm*: the suite names none, so never ours
//   mount    a mount whose source is "nsm-*" (the suite's mount sources); unmounted with
//            UMOUNT_NOFOLLOW. A mount point with an nsm* component alone is listed, not ours
//   cgroup   nsm-<pid>-<n>-p<pidns inode>, in any mounted hierarchy
//   key      "nsm-...-p<pidns inode>-<pid>" (/proc/keys)
//   hostname a hostname that starts with "nsm-" (reported, not changed: the original is unknown)
// and what `nsmatrix runtimes` makes, all named with its run marker "nsm-rt-<pid>-p<pidns>"
// (runtime_run_marker()): its work directory /var/lib/nsm-rt-... (rootfs, bundles, the
// daemons' data and state: containers, images, networks, volumes), the mounts below it, the
// cgroups it gives its containers, and every process whose command line holds the marker
// (the held inside view, its daemons dockerd/containerd/conmon and their shims):
//   process  killed (SIGKILL) first, so that nothing holds the rest
//   dir      the work directory, after the mounts below it are detached
// The suite creates no temporary files, so /tmp is not touched. A cgroup, key or link whose
// owner is alive, or lives in another pid namespace (its pid says nothing here), belongs to
// a run in progress, and clean leaves it alone.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nsm::conformance {

struct ResidueItem {
  std::string kind;
  std::string name;
  int owner_pid = 0;              // cgroups, keys and links: the suite process that made it
  bool marked = false;            // carries the suite's marker: clean may remove it
  unsigned long owner_pidns = 0;  // the pid namespace (inode) owner_pid is a pid in
  bool operator==(const ResidueItem&) const = default;
  auto operator<=>(const ResidueItem&) const = default;
};

// Everything nsm-prefixed that is there now, sorted; `marked` says which are the suite's.
std::vector<ResidueItem> find_residue();

struct CleanReport {
  std::vector<ResidueItem> removed;
  std::vector<std::pair<ResidueItem, std::string>> failed;  // with why
};

// Removes what find_residue() finds marked (but what a live run owns): processes, then
// mounts, then the rest.
CleanReport clean_residue();
// The same for what one owner made, alive or not: a runtimes run's own last step, so that it
// ends leaving nothing whatever its runtimes left.
CleanReport clean_residue_of(int pid, unsigned long pidns);

// Where each cgroup hierarchy (v1 or v2) is mounted.
std::vector<std::string> cgroup_mounts();

// SIGKILL, then wait (pidfd, at most 5 s) until the process is gone, so that what it held is
// free. A process already gone is fine; one that does not end is a ToolError.
void kill_and_wait(pid_t pid);

// Whether `alias` is the marker of a link the suite made (nsm_link_marker, core/netlink.h);
// its pid and pid namespace when it is.
bool parse_link_marker(std::string_view alias, int& pid, unsigned long& pidns);
// The calling process's pid namespace inode (0 when /proc says nothing).
unsigned long own_pidns();

// "nsm-rt-<pid>-p<pidns>" for the calling process: the word every object of a
// `nsmatrix runtimes` run carries (names, paths, the held container's token).
std::string runtime_run_marker();
// The first run marker in `text` (a path, a command line); its owner when there is one.
bool find_runtime_run_marker(std::string_view text, int& pid, unsigned long& pidns);
// podman as root keeps a blob-info cache in /var/lib/containers/cache whatever its --root.
// A runtimes run that finds no /var/lib/containers before its podman starts leaves this file
// in its work directory; its end, or `nsmatrix clean` after a SIGKILL, then removes what
// podman made there (that cache file and its two directories, nothing else). Returns what it
// could not remove (empty: nothing left).
inline constexpr std::string_view kMadeVarLibContainers = "made-var-lib-containers";
std::string undo_var_lib_containers(const std::string& work_dir);
// Where a runtimes run keeps its work: /var/lib/<marker> (a disk, not /tmp: images are big).
inline constexpr std::string_view kRuntimeWorkParent = "/var/lib";

}  // namespace nsm::conformance
