// The pieces of report.html (internal to reports/): one function per section, each
// appending to `out`. html_report.cpp puts them together.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/model.h"
#include "reports/text.h"
#include "reports/views.h"

namespace nsm::reports::html {

// Everything the sections share, computed once.
struct Context {
  const RunResults& run;
  std::vector<SupportRow> support;
  std::vector<CheckRow> checks;  // conformance
  std::vector<MetricRow> metrics;
};

inline std::string h(std::string_view text) { return html_escape(text); }

// The <th> cells naming each kernel (id, release, accelerator, status), for every matrix.
std::string kernel_header_cells(const RunResults& run);
// A cell without data, with the reason as its tooltip.
std::string no_data_cell(std::string_view why);
// An element id for a kernel ("k-debian-6.1-cloud").
std::string kernel_anchor(const KernelResults& k);

void support_section(std::string& out, const Context& ctx);
void guarantees_section(std::string& out, const Context& ctx);
void gaps_section(std::string& out, const Context& ctx);
void costs_section(std::string& out, const Context& ctx);
void changes_section(std::string& out, const Context& ctx);
void kernels_section(std::string& out, const Context& ctx);

std::string_view stylesheet();

}  // namespace nsm::reports::html
