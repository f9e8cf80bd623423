#include "vm/matrix/kernel_source.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"
#include "vm/qemu/accel.h"

#include "vm/kernels/kernel_store.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {

namespace {

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

BootTarget from_prepared(const PreparedKernel& p) {
  BootTarget t;
  t.id = p.id;
  t.release = p.release;
  t.version = p.version;
  t.image = p.image;
  t.config = p.config;
  t.modules = p.modules_in_load_order;
  t.source = p.source;
  return t;
}

}  // namespace

std::vector<MatrixKernel> manifest_kernels(const std::optional<std::string>& manifest,
                                           const std::vector<std::string>& only, const std::vector<std::string>& tags) {
  // Loaded once; a manifest that cannot be read is bad input for the whole matrix.
  auto entries = std::make_shared<std::vector<KernelEntry>>(load_manifest(manifest));
  std::vector<std::string> ids = only;
  if (ids.empty())
    for (const auto& e : *entries) {
      const bool tagged = tags.empty() || std::any_of(tags.begin(), tags.end(), [&](const std::string& t) {
                            return std::find(e.tags.begin(), e.tags.end(), t) != e.tags.end();
                          });
      if (tagged) ids.push_back(e.id);
    }
  std::vector<MatrixKernel> kernels;
  for (const auto& id : ids) {
    kernels.push_back({id, [entries, id](const PrepareProgress& progress) {
                         const KernelEntry& entry = find_kernel(*entries, id);  // throws for an unknown id
                         return from_prepared(prepare_kernel(entry, progress));
                       }});
  }
  return kernels;
}

MatrixKernel kernel_from_argument(const std::string& id_or_path, const std::optional<std::string>& modules_dir,
                                  const std::optional<std::string>& manifest) {
  if (is_file(id_or_path) || id_or_path.find('/') != std::string::npos) {
    return {id_from_path(id_or_path), [path = id_or_path, modules_dir](const PrepareProgress&) {
              BootTarget target = target_from_image(path);  // checks the file is a bzImage
              BootTarget prepared = from_prepared(prepare_kernel_file(path, modules_dir));
              prepared.id = target.id;
              return prepared;
            }};
  }
  auto kernels = manifest_kernels(manifest, {id_or_path});
  return kernels.front();
}

}  // namespace nsm::vm
