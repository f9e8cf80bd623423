// The cache's private apt, ready to use: sources derived from the machine's for the suites
// the built-in manifest uses plus the one asked for, lists updated once per process, and
// $NSMATRIX_CACHE/apt locked against other nsmatrix processes while it is in use.
#pragma once

#include <string>

#include "vm/kernels/apt_client.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/kernel_lock.h"
#include "vm/kernels/kernel_store.h"

namespace nsm::vm {

class AptSession : public PackageArchive {
 public:
  AptSession(const std::string& suite, const Progress& progress);
  AptClient& client() { return client_; }
  // The package's candidate in the suite; throws nsm::InputError naming the package, the suite
  // and the mirror URIs apt was given.
  AptPackage must_show(const std::string& name, const std::string& suite);
  // The lock's view of the archive (kernel_lock.h).
  std::optional<AptPackage> candidate(const std::string& name, const std::string& suite) override;
  std::optional<AptPackage> exact(const std::string& name, const std::string& version,
                                  const std::string& suite) override;
  std::string describe() const override;

 private:
  FileLock lock_;
  std::string sources_;
  AptClient client_;
};

}  // namespace nsm::vm
