// One parser per results file (docs/results-format.md). Each takes the document that
// core/results.h's read_json_file already checked (schema_version, kind) and checks every
// field the report uses; anything else throws ResultsError naming the file and the field.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "reports/model.h"

namespace nsm::reports {

RunInfo parse_run(const nlohmann::json& doc, const std::string& file);
KernelInfo parse_kernel(const nlohmann::json& doc, const std::string& file);
StatusInfo parse_status(const nlohmann::json& doc, const std::string& file);
ProbeReport parse_probe(const nlohmann::json& doc, const std::string& file);
CheckFile parse_conformance(const nlohmann::json& doc, const std::string& file);
CheckFile parse_bench(const nlohmann::json& doc, const std::string& file);
RuntimesReport parse_runtimes(const nlohmann::json& doc, const std::string& file);

}  // namespace nsm::reports
