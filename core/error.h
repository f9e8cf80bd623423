// Errors that say what failed: the system call, the errno's name and the context.
//   unshare(CLONE_NEWUSER): EPERM (Operation not permitted) — kernel.unprivileged_userns_clone=0
#pragma once

#include <stdexcept>
#include <string>

namespace nsm {

// "EPERM" for EPERM; "E123" for a number glibc does not name.
std::string errno_name(int err);

// A failed system call. what() reads "call: ENAME (strerror)[ — context]".
class SysError : public std::runtime_error {
 public:
  SysError(std::string call, int err, std::string context = {});
  const std::string& call() const { return call_; }
  int err() const { return err_; }
  const std::string& context() const { return context_; }

 private:
  std::string call_;
  int err_;
  std::string context_;
};

// Throws SysError for the current errno.
[[noreturn]] void throw_sys(std::string call, std::string context = {});

// The base of the project's own errors, never thrown itself (its constructor is
// protected): every throw says whose fault it is by its type, and `nsmatrix` exits with the
// code that type implies. Catch Error where either kind ends the same way (a fuzzer, a
// per-kernel "FAILED" line); the message is complete and meant for a person.
class Error : public std::runtime_error {
 protected:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Bad input, which the person can fix: a usage error, a garbage config or manifest, a file
// they named that is missing or malformed, a malformed results directory. Exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what) {}
};

// The tool could not do its work, through no fault of the input: a helper program missing
// or failing, a child that died, a protocol broken by the other side, a library call that
// failed. Exit code 3.
class ToolError : public Error {
 public:
  explicit ToolError(const std::string& what) : Error(what) {}
};

// The kernel returned success for a namespace operation and did not do it: clone/unshare
// gave no new namespace, setns left the caller where it was. A verdict on the kernel (the
// check fails, the probe says "faulty"), never a setup problem. Deliberately not an Error:
// only the code that judges (the conformance harness, the probes) catches it, so no generic
// handler can turn it into "broken" or "bad input".
class KernelFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A wait that ran out of time (a child that never answered, a device that never appeared).
class TimeoutError : public ToolError {
 public:
  using ToolError::ToolError;
};

}  // namespace nsm
