#include "reports/junit_xml.h"

#include <fmt/format.h>

#include "reports/text.h"
#include "reports/views.h"

namespace nsm::reports {

namespace {

struct Case {
  std::string classname, name;
  double seconds = 0;
  enum class End { Pass, Failure, Error, Skipped } end = End::Pass;
  std::string type, message, text;
  std::vector<std::pair<std::string, std::string>> properties;
};

struct Suite {
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<Case> cases;
  int count(Case::End end) const {
    int n = 0;
    for (const auto& c : cases) n += c.end == end;
    return n;
  }
  double seconds() const {
    double s = 0;
    for (const auto& c : cases) s += c.seconds;
    return s;
  }
};

std::string seconds_text(double s) { return fmt::format("{:.3f}", s); }

std::string group_of(const std::optional<NsType>& type, std::string_view fallback) {
  return type ? std::string(ns_name(*type)) : std::string(fallback);
}

Case check_case(const KernelResults& k, const CheckResult& c) {
  Case tc;
  tc.classname = fmt::format("{}.{}", k.id, c.kind == CheckKind::Bench ? "bench" : group_of(c.type, "general"));
  tc.name = c.id;
  tc.seconds = c.duration_seconds.value_or(0);
  tc.properties.emplace_back("title", c.title);
  tc.properties.emplace_back("outcome", std::string(outcome_name(c.outcome)));
  if (!c.test.empty()) tc.properties.emplace_back("gtest", c.test);
  for (const auto& ref : c.refs) tc.properties.emplace_back("ref", ref);  // one property per ref, in order
  switch (c.outcome) {
    case Outcome::Pass:
      break;
    case Outcome::Fail:
      tc.end = Case::End::Failure;
      tc.type = "fail";
      tc.message = c.reason.empty() ? c.message.substr(0, c.message.find('\n')) : c.reason;
      tc.text = c.message;
      break;
    case Outcome::Broken:
      tc.end = Case::End::Error;
      tc.type = "broken";
      tc.message = c.reason;
      tc.text = c.message;
      break;
    case Outcome::Skip:
      tc.end = Case::End::Skipped;
      tc.message = c.reason;
      break;
    case Outcome::GapConfirmed:
    case Outcome::GapClosed:
      if (!c.reason.empty()) tc.properties.emplace_back("reason", c.reason);
      break;
  }
  for (const auto& m : c.metrics) {
    std::string value = format_number(m.value) + " " + m.unit;
    if (m.stddev) value += " ± " + format_spread(*m.stddev);
    tc.properties.emplace_back("metric." + m.name, value);
  }
  return tc;
}

Case probe_case(const KernelResults& k, std::string id, std::string title, Verdict verdict, const std::string& reason) {
  Case tc;
  tc.classname = fmt::format("{}.probe", k.id);
  tc.name = std::move(id);
  tc.properties.emplace_back("title", std::move(title));
  tc.properties.emplace_back("verdict", std::string(verdict_name(verdict)));
  if (verdict == Verdict::Faulty) {
    tc.end = Case::End::Failure;  // a kernel fault is the kernel's failure, not a skip
    tc.message = fmt::format("{}: {}", verdict_name(verdict), reason);
  } else if (verdict != Verdict::Supported) {
    tc.end = Case::End::Skipped;
    tc.message = fmt::format("{}: {}", verdict_name(verdict), reason);
  } else if (!reason.empty()) {
    tc.properties.emplace_back("reason", reason);
  }
  return tc;
}

Suite kernel_suite(const KernelResults& k) {
  Suite s;
  s.name = k.id;
  s.properties.emplace_back("release", k.release());
  if (k.accel()) s.properties.emplace_back("accel", std::string(accel_name(*k.accel())));
  s.properties.emplace_back("status", std::string(status_name(k.effective_status())));

  const bool vm = k.accel() && *k.accel() != Accel::Native;
  const KernelStatus status = k.status ? k.status->status : KernelStatus::InfraError;
  if (k.status && (vm || status != KernelStatus::Ok)) {
    Case boot;
    boot.classname = k.id;
    boot.name = "boot";
    boot.seconds = k.status->duration("boot_seconds").value_or(0);
    if (status != KernelStatus::Ok) {
      boot.end = Case::End::Error;
      boot.type = std::string(status_name(status));
      boot.message = k.status->reason;
      boot.text = k.console_tail.value_or("");
    }
    s.cases.push_back(std::move(boot));
  }
  for (const auto& problem : k.infra_reasons()) {
    Case tc;
    tc.classname = k.id;
    tc.name = "results";
    tc.end = Case::End::Error;
    tc.type = "infra-error";
    tc.message = problem;
    s.cases.push_back(std::move(tc));
  }
  if (k.probe) {
    for (const auto& ns : k.probe->namespaces) s.cases.push_back(probe_case(k, ns.id, ns.title, ns.verdict, ns.reason));
    for (const auto& f : k.probe->features) s.cases.push_back(probe_case(k, f.id, f.title, f.verdict, f.reason));
  }
  for (const CheckFile* file : {k.conformance ? &*k.conformance : nullptr, k.bench ? &*k.bench : nullptr})
    if (file)
      for (const auto& c : file->checks) s.cases.push_back(check_case(k, c));
  return s;
}

// The runtime axis: per runtime and profile, the container (run, skipped, broken) and each
// gap it judged, as test cases of one suite.
Suite runtimes_suite(const RuntimesReport& rt) {
  Suite s;
  s.name = "runtimes";
  if (!rt.kernel.empty()) s.properties.emplace_back("release", rt.kernel);
  for (const auto& c : rt.cases) {
    const std::string classname = fmt::format("runtimes.{}.{}", c.runtime, c.profile);
    Case run;
    run.classname = classname;
    run.name = "container";
    if (!c.version.empty()) run.properties.emplace_back("version", c.version);
    if (c.outcome == Outcome::Skip) {
      run.end = Case::End::Skipped;
      run.message = c.why;
    } else if (c.outcome == Outcome::Broken) {
      run.end = Case::End::Error;
      run.type = "broken";
      run.message = c.why;
    } else {
      std::string own, hosts;
      for (const auto& [type, is_new] : c.namespaces) {
        std::string& list = is_new == true ? own : hosts;
        list += (list.empty() ? "" : " ") + std::string(ns_name(type));
      }
      run.properties.emplace_back("namespaces.new", own);
      run.properties.emplace_back("namespaces.host", hosts);
      run.properties.emplace_back("capabilities", key_capabilities(c.capabilities));
      run.properties.emplace_back("seccomp", seccomp_text(c));
      run.properties.emplace_back("userns", userns_text(c));
    }
    s.cases.push_back(std::move(run));
    for (const auto& g : c.gaps) {
      Case tc;
      tc.classname = classname;
      tc.name = g.id;
      tc.properties.emplace_back("title", g.title);
      tc.properties.emplace_back("outcome", std::string(outcome_name(g.outcome)));
      if (g.outcome == Outcome::Skip) {
        tc.end = Case::End::Skipped;
        tc.message = g.evidence;
      } else if (g.outcome == Outcome::Broken) {
        tc.end = Case::End::Error;
        tc.type = "broken";
        tc.message = g.evidence;
      } else {
        tc.properties.emplace_back("reason", g.evidence);
      }
      s.cases.push_back(std::move(tc));
    }
  }
  return s;
}

void write_properties(std::string& out, const std::vector<std::pair<std::string, std::string>>& props,
                      std::string_view indent) {
  if (props.empty()) return;
  out += fmt::format("{}<properties>\n", indent);
  for (const auto& [name, value] : props)
    out += fmt::format("{}  <property name=\"{}\" value=\"{}\"/>\n", indent, xml_escape(name), xml_escape(value));
  out += fmt::format("{}</properties>\n", indent);
}

void write_case(std::string& out, const Case& c) {
  out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">\n", xml_escape(c.classname),
                     xml_escape(c.name), seconds_text(c.seconds));
  write_properties(out, c.properties, "      ");
  const char* tag = nullptr;
  switch (c.end) {
    case Case::End::Pass:
      break;
    case Case::End::Failure:
      tag = "failure";
      break;
    case Case::End::Error:
      tag = "error";
      break;
    case Case::End::Skipped:
      out += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.message));
      break;
  }
  if (tag) {
    out += fmt::format("      <{} type=\"{}\" message=\"{}\"", tag, xml_escape(c.type), xml_escape(c.message));
    out += c.text.empty() ? "/>\n" : fmt::format(">{}</{}>\n", xml_escape(c.text), tag);
  }
  out += "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const RunResults& run) {
  std::vector<Suite> suites;
  for (const auto& k : run.kernels) suites.push_back(kernel_suite(k));
  if (run.runtimes) suites.push_back(runtimes_suite(*run.runtimes));
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
  for (const auto& s : suites) {
    tests += static_cast<int>(s.cases.size());
    failures += s.count(Case::End::Failure);
    errors += s.count(Case::End::Error);
    skipped += s.count(Case::End::Skipped);
    seconds += s.seconds();
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"nsmatrix {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
      xml_escape(run.run_id()), tests, failures, errors, skipped, seconds_text(seconds));
  for (const auto& s : suites) {
    out +=
        fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
                    xml_escape(s.name), s.cases.size(), s.count(Case::End::Failure), s.count(Case::End::Error),
                    s.count(Case::End::Skipped), seconds_text(s.seconds()));
    write_properties(out, s.properties, "    ");
    for (const auto& c : s.cases) write_case(out, c);
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace nsm::reports
