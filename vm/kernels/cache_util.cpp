#include "vm/kernels/cache_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/results.h"
#include "core/sha256.h"

namespace nsm::vm {

namespace fs = std::filesystem;

StagingDir::StagingDir(const std::string& cache_root, const std::string& label) : cache_root_(cache_root) {
  make_directories(cache_root + "/tmp");
  std::string templ = cache_root + "/tmp/" + label + ".XXXXXX";
  if (!::mkdtemp(templ.data())) throw_sys("mkdtemp", templ);
  path_ = templ;
  // mkdtemp makes it 0700; the cached kernel is readable like any cache file.
  if (::chmod(path_.c_str(), 0755) != 0) throw_sys("chmod", path_);
}

StagingDir::~StagingDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void StagingDir::commit(const std::string& destination) {
  make_directories(fs::path(destination).parent_path().string());
  std::string aside;
  if (fs::exists(destination)) {
    aside = cache_root_ + "/tmp/old.XXXXXX";
    if (!::mkdtemp(aside.data())) throw_sys("mkdtemp", aside);
    aside += "/old";
    if (::rename(destination.c_str(), aside.c_str()) != 0) throw_sys("rename", destination);
  }
  if (::rename(path_.c_str(), destination.c_str()) != 0) throw_sys("rename", path_ + " -> " + destination);
  committed_ = true;
  if (!aside.empty()) remove_tree(fs::path(aside).parent_path().string());
}

void remove_stale_staging(const std::string& cache_root, const std::string& label) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_root + "/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(label + ".") && name.size() == label.size() + 7) remove_tree(entry.path().string());
  }
}

FileLock::FileLock(const std::string& path) {
  make_directories(fs::path(path).parent_path().string());
  fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_) throw_sys("open", path);
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw_sys("flock", path);
  }
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) throw SysError("remove_all", ec.value(), path);
}

void write_whole_file(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw_sys("open", path);
  while (!data.empty()) {
    const ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void copy_file(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw SysError("copy_file", ec.value(), from + " -> " + to);
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_sys("open", path);
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) sha.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw_sys("read", path);
  return sha.hex();
}

}  // namespace nsm::vm
