#include <gtest/gtest.h>

#include "config/tsv_table.h"
#include "core/error.h"

namespace reel {

TEST(TsvTable, ReadsCellsByColumnName) {
  TsvTable t("name\ttype\tdefault\nseed\tint\t\nlora_rank\tint\t16\r\n\n", "test.tsv");
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"name", "type", "default"}));
  EXPECT_EQ(t.at(0, "name"), "seed");
  EXPECT_EQ(t.at(0, "default"), "");  // an empty last cell is kept
  EXPECT_EQ(t.at(1, "default"), "16");
}

TEST(TsvTable, RaggedRowNamesFileAndLine) {
  try {
    TsvTable("a\tb\n1\t2\n3\n", "keys.tsv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), "keys.tsv");
    EXPECT_EQ(e.line(), 3);
  }
}

TEST(TsvTable, UnknownColumnIsAnError) {
  TsvTable t("a\n1\n", "t.tsv");
  EXPECT_THROW(t.at(0, "b"), Error);
}

}  // namespace reel
