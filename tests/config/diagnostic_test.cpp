#include <gtest/gtest.h>

#include "config/diagnostic.h"
#include "core/error.h"

namespace reel {

TEST(Diagnostic, ReadsAsOneLine) {
  Diagnostic d{Severity::kWarning, "config.json", "lerning_rate", "unknown option",
               "did you mean 'learning_rate'?"};
  EXPECT_EQ(to_string(d),
            "warning: config.json: key 'lerning_rate': unknown option (did you mean "
            "'learning_rate'?)");
  EXPECT_EQ(to_string({Severity::kNotice, "", "", "x", ""}), "note: x");
}

TEST(Diagnostic, WarningsAloneAreNotErrors) {
  Diagnostics ds = {{Severity::kWarning, "", "", "w", ""}, {Severity::kNotice, "", "", "n", ""}};
  EXPECT_FALSE(has_errors(ds));
  EXPECT_NO_THROW(throw_if_errors(ds));
}

TEST(Diagnostic, ThrowsTheFirstErrorAndCountsTheRest) {
  Diagnostics ds = {{Severity::kWarning, "", "", "w", ""},
                    {Severity::kError, "a.json", "seed", "not an integer", "use a whole number"},
                    {Severity::kError, "a.json", "lora_rank", "must be > 0", ""}};
  ASSERT_TRUE(has_errors(ds));
  try {
    throw_if_errors(ds);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), "a.json");
    EXPECT_EQ(e.key(), "seed");
    EXPECT_EQ(e.message(), "not an integer");
    EXPECT_EQ(e.hint(),
              "use a whole number; 1 more error(s): run `reel config check` to see them all");
  }
}

}  // namespace reel
