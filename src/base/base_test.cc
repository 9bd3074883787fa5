#include <gtest/gtest.h>

#include "base/hex.h"
#include "base/status.h"

namespace nuri::base {
namespace {

TEST(Status, OkAndErrorsCarryTheirCode) {
  EXPECT_TRUE(Status::Ok().ok());
  const Status status = Status::Corruption("block 12 fails its checksum");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.ToString(), "Corruption: block 12 fails its checksum");
}

TEST(Hex, RoundTripsAndRejectsBadDigits) {
  const std::string bytes("\x00\x01\xab\xff", 4);
  EXPECT_EQ(ToHex(bytes), "0001abff");
  EXPECT_EQ(FromHex("0001ABff"), bytes);
  EXPECT_FALSE(FromHex("abc").has_value());
  EXPECT_FALSE(FromHex("zz").has_value());
  EXPECT_EQ(FromHex(""), std::string());
}

}  // namespace
}  // namespace nuri::base
