// Contact sheets: which frames are shown and where each lands on the sheet.
#include "sample/contact_sheet.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

TEST(ContactSheet, ShowsEvenlySpacedFramesFromFirstToLast) {
  EXPECT_EQ(contact_sheet_frames(81, 8), (std::vector<int64_t>{0, 11, 23, 34, 46, 57, 69, 80}));
  EXPECT_EQ(contact_sheet_frames(5, 8), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(contact_sheet_frames(9, 3), (std::vector<int64_t>{0, 4, 8}));
  EXPECT_EQ(contact_sheet_frames(1, 8), (std::vector<int64_t>{0}));
}

TEST(ContactSheet, TilesFramesLeftToRightThenTopToBottom) {
  // Frame i is filled with the value 10 * (i + 1).
  at::Tensor frames = at::empty({6, 3, 4, 3}, at::kByte);
  for (int64_t i = 0; i < 6; ++i) frames[i].fill_(10 * (i + 1));
  ContactSheetLayout layout;
  layout.max_frames = 6;
  layout.columns = 4;
  layout.gap = 1;
  const at::Tensor sheet = contact_sheet(frames, layout);
  EXPECT_EQ(sheet.sizes(), (std::vector<int64_t>{2 * 4 + 1, 4 * 5 + 1, 3}));
  // Frame 5 is the second tile of the second row; the gaps stay dark.
  EXPECT_EQ(sheet[1 + 3 + 1][1 + 5][0].item<int>(), 60);
  EXPECT_EQ(sheet[1][1 + 5 * 3][2].item<int>(), 40);
  EXPECT_EQ(sheet[0][0][1].item<int>(), 24);
  EXPECT_EQ(sheet[5][1 + 5 * 3][0].item<int>(), 24);  // the empty last tile
}

TEST(ContactSheet, RejectsWhatIsNotRgbFrames) {
  EXPECT_TRUE(contains_text(error_of([] { contact_sheet(at::zeros({2, 3, 4, 3})); }), "uint8"));
  EXPECT_TRUE(contains_text(error_of([] {
                              contact_sheet(at::zeros({3, 4, 3}, at::kByte));
                            }),
                            "[3, 4, 3]"));
}

}  // namespace
}  // namespace reel
