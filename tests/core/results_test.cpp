#include "core/results.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace nsm {
namespace {

class ResultsFiles : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "nsm-results-" + std::to_string(::getpid()) + "-" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string put(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string error_of(const std::string& path, std::string_view kind = {}) {
    try {
      read_json_file(path, kind);
    } catch (const ResultsError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << "names the file: " << e.what();
      return e.what();
    }
    ADD_FAILURE() << "accepted " << path;
    return "";
  }
  std::string dir_;
};

TEST_F(ResultsFiles, WritesAtomicallyAndReadsBack) {
  const std::string path = dir_ + "/deep/er/probe.json";
  write_json_file(path, {{"schema_version", 1}, {"kind", "probe"}, {"x", 42}});
  auto doc = read_json_file(path, "probe");
  EXPECT_EQ(doc["x"], 42);
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/deep/er"))
    EXPECT_EQ(entry.path().filename(), "probe.json") << "no temporary file left";
}

TEST_F(ResultsFiles, RejectsMissingFile) { EXPECT_NE(error_of(dir_ + "/none.json").find("cannot read"), std::string::npos); }

TEST_F(ResultsFiles, RejectsTruncatedJson) {
  EXPECT_NE(error_of(put("t.json", R"({"schema_version": 1, "kind": "pro)")).find("malformed"), std::string::npos);
}

TEST_F(ResultsFiles, RejectsMissingOrNonIntegerSchema) {
  EXPECT_NE(error_of(put("a.json", R"({"kind": "probe"})")).find("no schema_version"), std::string::npos);
  EXPECT_NE(error_of(put("b.json", R"({"schema_version": "1"})")).find("not an integer"), std::string::npos);
  EXPECT_NE(error_of(put("c.json", R"([1, 2])")).find("object"), std::string::npos);
}

TEST_F(ResultsFiles, RejectsFutureSchema) {
  EXPECT_NE(error_of(put("f.json", R"({"schema_version": 99, "kind": "probe"})")).find("newer"), std::string::npos);
}

TEST_F(ResultsFiles, RejectsWrongKind) {
  EXPECT_NE(error_of(put("k.json", R"({"schema_version": 1, "kind": "bench"})"), "probe").find("not a probe file"), std::string::npos);
}

TEST(Results, TimestampIsIso8601Utc) {
  const std::string t = utc_timestamp();
  ASSERT_EQ(t.size(), 20u);
  EXPECT_EQ(t[4], '-');
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
}

}  // namespace
}  // namespace nsm
