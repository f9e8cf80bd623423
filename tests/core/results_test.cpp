#include "core/results.h"
#include "core/atomic_file.h"
#include "core/utf8.h"

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

TEST_F(ResultsFiles, RejectsMissingFile) {
  EXPECT_NE(error_of(dir_ + "/none.json").find("cannot read"), std::string::npos);
}

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
  EXPECT_NE(error_of(put("k.json", R"({"schema_version": 1, "kind": "bench"})"), "probe").find("not a probe file"),
            std::string::npos);
}

TEST_F(ResultsFiles, RefusesNestingPastTheLimitWithoutRecursion) {
  const std::string deep = std::string(500000, '[') + std::string(500000, ']');
  EXPECT_NE(error_of(put("deep.json", "{\"schema_version\":1,\"x\":" + deep + "}")).find("nested deeper than"),
            std::string::npos);
  EXPECT_THROW(parse_json_bounded(deep), Error);
  EXPECT_NO_THROW(parse_json_bounded(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
  EXPECT_THROW(parse_json_bounded(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')), Error);
}

// Found by the fuzzers (fuzz/): every failure is nsm::Error, and its message is valid UTF-8.
TEST(Results, BoundedParseThrowsOnlyErrorWithValidUtf8) {
  EXPECT_THROW(parse_json_bounded("[1e4253]"), Error);  // nlohmann's out_of_range, before
  try {
    parse_json_bounded("{\"a\": \"ok\"\xef\xbf\xbd}");
    ADD_FAILURE() << "parsed";
  } catch (const Error& e) {
    bool replaced = false;
    (void)valid_utf8(e.what(), &replaced);
    EXPECT_FALSE(replaced) << e.what();
  }
}

TEST_F(ResultsFiles, SchemaVersionIsReadAsSixtyFourBits) {
  EXPECT_NE(error_of(put("v.json", R"({"schema_version": 4294967297})")).find("newer"), std::string::npos);
}

// Root writing into a directory another user owns: a symlink planted at the target is
// replaced, never written through, and no temporary is left behind.
TEST_F(ResultsFiles, WritesNeverFollowAPlantedSymlink) {
  const std::string victim = put("victim", "precious\n");
  const std::string target = dir_ + "/status.json";
  std::filesystem::create_symlink(victim, target);
  write_file_atomic(target, "{}\n");
  EXPECT_FALSE(std::filesystem::is_symlink(target));
  std::ifstream in(victim);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "precious");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2u);
  EXPECT_NE(atomic_temp_name(target), atomic_temp_name(target));
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
