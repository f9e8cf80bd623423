// junit.xml: one <testsuite> per kernel, for CI systems that read JUnit.
//   pass -> a passed testcase        fail -> <failure>        broken -> <error>
//   skip -> <skipped> with its reason
//   gap confirmed / gap closed -> a passed testcase with the property outcome=gap-confirmed
//     (the gap behaves as documented) or outcome=gap-closed (news)
//   probe verdicts -> supported passes, unsupported and restricted are skipped with the reason,
//                     faulty (a kernel fault) fails with its evidence
//   benchmarks -> passed testcases with each metric as a property
//   a kernel that did not boot -> one "boot" testcase with an <error> and its console's end
//   an unusable results file -> a "results" testcase with an <error> naming the file
// Classnames are "<kernel>.<type>" so that tools that ignore suite names still keep
// kernels apart.
#pragma once

#include <string>

#include "reports/model.h"

namespace nsm::reports {

std::string junit_xml(const RunResults& run);

}  // namespace nsm::reports
