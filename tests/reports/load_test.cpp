// Loading the fixture runs: every documented field lands in the model.
#include "reports/load.h"

#include <gtest/gtest.h>

#include "core/results.h"
#include "reports/views.h"
#include "tests/support/report_fixtures.h"

namespace nsm::reports {
namespace {

using testing::fixture;

TEST(LoadResults, HostRunHasOneNativeKernelWithEverything) {
  const RunResults run = load_results(fixture("host"));
  EXPECT_TRUE(run.problems.empty());
  ASSERT_EQ(run.kernels.size(), 1u);
  const auto& k = run.kernels[0];
  EXPECT_EQ(k.id, "host");
  EXPECT_TRUE(k.problems.empty()) << k.problems.front();
  EXPECT_EQ(k.effective_status(), KernelStatus::Ok);
  ASSERT_TRUE(k.accel());
  EXPECT_EQ(*k.accel(), Accel::Native);
  EXPECT_EQ(run.run_id(), "20261129-091134");
  ASSERT_TRUE(k.probe);
  EXPECT_EQ(k.probe->namespaces.size(), 8u);
  const auto* time = k.probe->find(NsType::Time);
  ASSERT_NE(time, nullptr);
  EXPECT_EQ(time->verdict, Verdict::Supported);
  ASSERT_TRUE(time->kconfig);
  EXPECT_EQ(time->kconfig->line, "CONFIG_TIME_NS=y");
  const auto* mnt = k.probe->find(NsType::Mnt);
  ASSERT_NE(mnt, nullptr);
  EXPECT_FALSE(mnt->kconfig) << "mnt has no Kconfig symbol: kconfig is null";
  const auto* userns = k.probe->find_feature("probe.userns.unprivileged");
  ASSERT_NE(userns, nullptr);
  EXPECT_EQ(userns->verdict, Verdict::Restricted);
  ASSERT_TRUE(k.conformance);
  const auto counts = count_outcomes(*k.conformance);
  EXPECT_EQ(counts[Outcome::Fail], 1);
  EXPECT_EQ(counts[Outcome::Broken], 1);
  EXPECT_EQ(counts[Outcome::GapClosed], 1);
  ASSERT_TRUE(k.bench);
  const auto* veth = k.bench->find("bench.veth.throughput");
  ASSERT_NE(veth, nullptr);
  ASSERT_EQ(veth->metrics.size(), 1u);
  EXPECT_FALSE(veth->metrics[0].lower_is_better);
  EXPECT_EQ(veth->metrics[0].unit, "B/s");
}

TEST(LoadResults, MatrixKeepsRunOrderAndShowsTheUnbootableKernel) {
  const RunResults run = load_results(fixture("matrix"));
  EXPECT_TRUE(run.problems.empty());
  ASSERT_EQ(run.kernels.size(), 3u);
  EXPECT_EQ(run.kernels[0].id, "debian-6.1-cloud");
  EXPECT_EQ(run.kernels[1].id, "build-6.12-notime");
  const auto& dead = run.kernels[2];
  EXPECT_EQ(dead.id, "debian-4.19-unbootable");
  EXPECT_TRUE(dead.problems.empty()) << "a kernel that never booted is not an infra-error";
  EXPECT_EQ(dead.effective_status(), KernelStatus::BootFailed);
  EXPECT_FALSE(dead.probe);
  ASSERT_TRUE(dead.console_tail);
  EXPECT_TRUE(dead.console_truncated);
  // The last lines, made printable: no escape sequence, no invalid byte.
  EXPECT_NE(dead.console_tail->find("end Kernel panic"), std::string::npos);
  EXPECT_EQ(dead.console_tail->find('\x1b'), std::string::npos);
  EXPECT_EQ(dead.console_tail->find('\xff'), std::string::npos);
  size_t lines = 0;
  for (char c : *dead.console_tail) lines += c == '\n';
  EXPECT_EQ(lines, kConsoleTailLines);
}

TEST(LoadResults, TheKernelWithoutTimeNamespacesMakesTheTimeRowDiffer) {
  const RunResults run = load_results(fixture("matrix"));
  const auto rows = support_rows(run);
  ASSERT_GE(rows.size(), 8u);
  for (const auto& row : rows) {
    const bool time = row.type && *row.type == NsType::Time;
    EXPECT_EQ(row.differs, time) << row.label;
  }
  const auto& notime = run.kernels[1];
  const auto& time_row = rows[5];
  ASSERT_EQ(*time_row.type, NsType::Time);
  const auto cell = support_cell(notime, time_row);
  ASSERT_TRUE(cell.verdict);
  EXPECT_EQ(*cell.verdict, Verdict::Unsupported);
  EXPECT_EQ(cell.ns->attempt->err, "EINVAL");
  const auto none = support_cell(run.kernels[2], time_row);
  EXPECT_FALSE(none.verdict);
  EXPECT_NE(none.why_none.find("boot-failed"), std::string::npos);
}

TEST(LoadResults, ChecksAreGroupedInTheTableOrderOfTypes) {
  const RunResults run = load_results(fixture("matrix"));
  const auto rows = check_rows(run, false);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front().id, "cgroup.fresh.own-root");
  EXPECT_FALSE(rows.back().type) << "checks about no single type come last";
}

TEST(LoadResults, AdjacentKernelsDifferOnlyInTime) {
  const RunResults run = load_results(fixture("matrix"));
  const Changes changes = changes_between(run, run.kernels[0], run.kernels[1]);
  EXPECT_TRUE(changes.missing.empty());
  std::vector<std::string> ids;
  for (const auto& c : changes.rows) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"time", "time.offset.monotonic", "time.gap.realtime-shared"}));
  const Changes to_dead = changes_between(run, run.kernels[1], run.kernels[2]);
  EXPECT_TRUE(to_dead.rows.empty());
  ASSERT_EQ(to_dead.missing.size(), 1u);
  EXPECT_NE(to_dead.missing[0].find("debian-4.19-unbootable: boot-failed"), std::string::npos);
}

TEST(LoadResults, CostsCompareOnlyWithTheSameAccelerator) {
  const RunResults matrix = load_results(fixture("matrix"));
  const auto rows = metric_rows(matrix);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(baseline_for(matrix, matrix.kernels[0], rows[0]), nullptr);
  EXPECT_EQ(baseline_for(matrix, matrix.kernels[1], rows[0]), &matrix.kernels[0]);
  // A native kernel in the same run would have no TCG baseline.
  RunResults mixed = matrix;
  mixed.kernels[1].kernel->accel = Accel::Native;
  EXPECT_EQ(baseline_for(mixed, mixed.kernels[1], rows[0]), nullptr);
}

TEST(LoadResults, OneKernelsDirectoryIsAReportOfItsOwn) {
  const RunResults run = load_results(fixture("matrix") + "/build-6.12-notime");
  ASSERT_EQ(run.kernels.size(), 1u);
  EXPECT_EQ(run.kernels[0].id, "build-6.12-notime");
  EXPECT_TRUE(run.kernels[0].problems.empty());
  EXPECT_EQ(run.run_id(), "build-6.12-notime");
}

TEST(LoadResults, MissingOrEmptyDirectoriesAreBadInput) {
  testing::TempDir dir;
  EXPECT_THROW(load_results(dir / "nope"), ResultsError);
  EXPECT_THROW(load_results(dir.path()), ResultsError);
  testing::spit(dir / "file", "x");
  EXPECT_THROW(load_results(dir / "file"), ResultsError);
}

}  // namespace
}  // namespace nsm::reports
