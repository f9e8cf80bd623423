// One symbol per outcome, verdict and status, so that no output relies on colour alone.
// Shapes differ, not only colours: a check, a cross, a hollow circle, a warning sign, a
// diamond (a leak that is there), a star (news: a leak closed).
#pragma once

#include <string_view>

#include "reports/model.h"

namespace nsm::reports {

constexpr std::string_view outcome_symbol(Outcome o) {
  switch (o) {
    case Outcome::Pass:
      return "\u2713";  // ✓
    case Outcome::Fail:
      return "\u2717";  // ✗
    case Outcome::Skip:
      return "\u25CB";  // ○
    case Outcome::Broken:
      return "\u26A0";  // ⚠
    case Outcome::GapConfirmed:
      return "\u25C6";  // ◆
    case Outcome::GapClosed:
      return "\u2605";  // ★
  }
  return "?";
}

constexpr std::string_view verdict_symbol(Verdict v) {
  switch (v) {
    case Verdict::Supported:
      return "\u2713";  // ✓
    case Verdict::Unsupported:
      return "\u2717";  // ✗
    case Verdict::Restricted:
      return "\u25D0";  // ◐
    case Verdict::Faulty:
      return "\u26A1";  // ⚡
  }
  return "?";
}

constexpr std::string_view status_symbol(KernelStatus s) {
  switch (s) {
    case KernelStatus::Ok:
      return "\u2713";
    case KernelStatus::BootFailed:
      return "\u2717";
    case KernelStatus::Timeout:
      return "\u231B";  // ⌛
    case KernelStatus::Panic:
      return "\u2717";
    case KernelStatus::InfraError:
      return "\u26A0";
  }
  return "?";
}

// A cell without data.
inline constexpr std::string_view kNoDataSymbol = "\u2013";  // –

}  // namespace nsm::reports
