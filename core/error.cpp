#include "core/error.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace nsm {

std::string errno_name(int err) {
  if (const char* name = ::strerrorname_np(err)) return name;
  return fmt::format("E{}", err);
}

namespace {
std::string format_sys_error(const std::string& call, int err, const std::string& context) {
  std::string text = fmt::format("{}: {} ({})", call, errno_name(err), ::strerror(err));
  if (!context.empty()) text += " \u2014 " + context;
  return text;
}
}  // namespace

SysError::SysError(std::string call, int err, std::string context)
    : std::runtime_error(format_sys_error(call, err, context)),
      call_(std::move(call)),
      err_(err),
      context_(std::move(context)) {}

void throw_sys(std::string call, std::string context) {
  const int err = errno;
  throw SysError(std::move(call), err, std::move(context));
}

}  // namespace nsm
