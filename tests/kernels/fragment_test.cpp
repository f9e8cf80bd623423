#include "vm/kernels/fragment.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "vm/kernels/manifest.h"

namespace nsm::vm {
namespace {

TEST(Fragment, ParsesAssignmentsAndNotSetLines) {
  const auto lines = parse_fragment(
      "# a comment\n\nCONFIG_USER_NS=y\n# CONFIG_TIME_NS is not set\nCONFIG_LOCALVERSION=\"-x\"\nCONFIG_NR=4\n"
      "CONFIG_OFF=n\n",
      "f.config");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].text(), "CONFIG_USER_NS=y");
  EXPECT_EQ(lines[0].line, 3);
  EXPECT_TRUE(lines[1].is_not_set());
  EXPECT_EQ(lines[1].text(), "# CONFIG_TIME_NS is not set");
  EXPECT_EQ(lines[2].value, "\"-x\"");
  EXPECT_EQ(lines[3].value, "4");
  EXPECT_TRUE(lines[4].is_not_set());
}

TEST(Fragment, GarbageIsAnErrorWithTheLine) {
  try {
    parse_fragment("CONFIG_A=y\nthis is not kconfig\n", "bad.config");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bad.config: line 2: not a Kconfig line: 'this is not kconfig'");
  }
  EXPECT_THROW(parse_fragment("# only comments\n", "empty.config"), Error);
  EXPECT_THROW(parse_fragment("\x7f"
                              "ELF\x02\x01\x01",
                              "binary.config"),
               Error);
  EXPECT_THROW(parse_fragment("CONFIG_A y\n", "x.config"), Error);
  EXPECT_THROW(parse_fragment("CONFIG_=y\n", "x.config"), Error);
  EXPECT_THROW(parse_fragment("CONFIG_A=\n", "x.config"), Error);
}

// std::regex recursed per character and overflowed the stack on a long line.
TEST(Fragment, AFiftyKilobyteLineIsParsedNotACrash) {
  const auto lines =
      parse_fragment("CONFIG_CMDLINE=\"" + std::string(50000, 'x') + "\"\n# CONFIG_B is not set\n", "long.config");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].value.size(), 50002u);
  EXPECT_TRUE(lines[1].is_not_set());
  EXPECT_THROW(parse_fragment(std::string(50000, 'x') + "\n", "junk.config"), Error);
}

TEST(Fragment, LaterFragmentWins) {
  const auto merged = merge_fragments({parse_fragment("CONFIG_TIME_NS=y\nCONFIG_USER_NS=y\n", "base"),
                                       parse_fragment("# CONFIG_TIME_NS is not set\n", "variant")});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].text(), "# CONFIG_TIME_NS is not set");
  EXPECT_EQ(merged[0].source, "variant");
  EXPECT_EQ(merged[1].text(), "CONFIG_USER_NS=y");
}

TEST(Fragment, UnmetLinesNameWhatKconfigDid) {
  const auto config =
      KernelConfig::parse("CONFIG_USER_NS=y\n# CONFIG_TIME_NS is not set\nCONFIG_VETH=m\nCONFIG_NR=4\n", ".config");
  const auto wanted = parse_fragment(
      "CONFIG_USER_NS=y\n# CONFIG_TIME_NS is not set\nCONFIG_VETH=y\n# CONFIG_GONE is not set\n"
      "CONFIG_NEW_THING=y\nCONFIG_NR=4\n",
      "frag");
  const auto unmet = unmet_fragment_lines(wanted, config);
  ASSERT_EQ(unmet.size(), 2u);
  EXPECT_EQ(unmet[0], "CONFIG_VETH: wanted 'y', Kconfig made it 'm' (frag line 3)");
  EXPECT_EQ(unmet[1], "CONFIG_NEW_THING: wanted 'y', Kconfig made it absent (frag line 5)");
}

TEST(Fragment, BuiltInFragmentsAreValid) {
  const auto base = parse_fragment(guest_base_fragment(), "guest-base.config");
  auto has = [&](const std::string& text) {
    return std::any_of(base.begin(), base.end(), [&](const FragmentLine& l) { return l.text() == text; });
  };
  EXPECT_TRUE(has("CONFIG_TIME_NS=y"));
  EXPECT_TRUE(has("CONFIG_USER_NS=y"));
  EXPECT_TRUE(has("CONFIG_SERIAL_8250_CONSOLE=y"));
  EXPECT_TRUE(has("CONFIG_VETH=y"));
  for (const auto& entry : load_manifest(std::nullopt)) {
    if (entry.type == SourceType::Build) {
      EXPECT_NO_THROW(parse_fragment(entry.fragment_text, entry.fragment));
    }
  }
}

}  // namespace
}  // namespace nsm::vm
