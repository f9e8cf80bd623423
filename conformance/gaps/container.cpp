#include "conformance/gaps/container.h"

#include <sys/mount.h>

#include <sstream>

#include "conformance/harness/mounts.h"
#include "core/proc.h"

namespace nsm::conformance {

ChildSpec container_spec(int extra_flags) { return container(kContainerFlags | extra_flags); }

void prepare_container() {
  set_propagation("/", MS_PRIVATE, true);
  remount_proc();
}

std::vector<std::string> file_lines(const std::string& path) {
  std::istringstream in(must_read_file(path));
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace nsm::conformance
