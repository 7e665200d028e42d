#include <gtest/gtest.h>

#include "core/progress.h"

namespace reel {

TEST(Progress, LineShowsCountPercentRateAndEta) {
  // 12 of 40 clips in 4.8 s: 2.5 clip/s, 28 left -> 11.2 s.
  EXPECT_EQ(Progress::format_line("encoding latents", 12, 40, "clip", 4.8, ""),
            "encoding latents: 12/40 clips 30% | 2.50 clip/s | elapsed 00:05 | ETA 00:11");
}

TEST(Progress, SlowWorkIsShownAsSecondsPerItem) {
  // 3 steps in 30 s reads better as 10 s/step than 0.10 step/s.
  EXPECT_EQ(Progress::format_line("training", 3, 100, "step", 30.0, "loss 0.125"),
            "training: 3/100 steps 3% | 10.00 s/step | elapsed 00:30 | ETA 16:10 | loss 0.125");
}

TEST(Progress, UnknownTotalHasNoPercentOrEta) {
  EXPECT_EQ(Progress::format_line("scanning", 7, 0, "file", 2.0, ""),
            "scanning: 7 files | 3.50 file/s | elapsed 00:02");
}

TEST(Progress, DurationsPastAnHourShowHours) {
  EXPECT_EQ(Progress::format_duration(3 * 3600 + 25 * 60 + 7), "3:25:07");
  EXPECT_EQ(Progress::format_duration(59.4), "00:59");
  EXPECT_EQ(Progress::format_duration(-1), "--:--");
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("work", 2, "item", f);
    p.advance();
    p.advance();
  }  // the destructor finishes the display
  std::rewind(f);
  char buf[256] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string out(buf, n);
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_NE(out.find("work: 2/2 items 100%"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace reel
