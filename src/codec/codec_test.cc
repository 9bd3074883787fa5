#include "codec/codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace nuri::codec {
namespace {

TEST(Codec, IntegersAreLittleEndian) {
  Writer writer;
  writer.PutU32(0x01020304);
  EXPECT_EQ(writer.bytes(), std::string("\x04\x03\x02\x01", 4));
}

TEST(Codec, TrailingBytesAreRefused) {
  Writer writer;
  writer.PutU16(7);
  writer.PutU8(0);
  Reader reader(writer.bytes());
  EXPECT_EQ(reader.GetU16("x"), 7);
  EXPECT_FALSE(reader.Finish().ok());
}

TEST(Codec, OverLongLengthIsRefusedBeforeAllocating) {
  Writer writer;
  writer.PutU32(0xfffffff0u);
  Reader reader(writer.bytes());
  EXPECT_EQ(reader.GetBytes(1 << 20, "name"), "");
  EXPECT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("name"), std::string::npos);
}

TEST(Codec, NonCanonicalBooleanIsRefused) {
  Reader reader(std::string_view("\x02", 1));
  reader.GetBool("frozen");
  EXPECT_FALSE(reader.ok());
}

TEST(Codec, CountThatCannotFitIsRefused) {
  Writer writer;
  writer.PutU32(100);
  writer.PutU8(1);
  Reader reader(writer.bytes());
  reader.GetCount(1000, 8, "keys");
  EXPECT_FALSE(reader.ok());
}

TEST(Codec, KeyIntegersSortAsNumbers) {
  EXPECT_LT(EncodeKeyU64(255), EncodeKeyU64(256));
  EXPECT_EQ(DecodeKeyU64(EncodeKeyU64(0x0102030405060708ull)), 0x0102030405060708ull);
}

RC_GTEST_PROP(Codec, RoundTrip, (std::uint64_t a, std::int64_t b, std::string s, bool f)) {
  Writer writer;
  writer.PutU64(a);
  writer.PutI64(b);
  writer.PutBytes(s);
  writer.PutBool(f);
  Reader reader(writer.bytes());
  RC_ASSERT(reader.GetU64("a") == a);
  RC_ASSERT(reader.GetI64("b") == b);
  RC_ASSERT(reader.GetBytes(s.size(), "s") == s);
  RC_ASSERT(reader.GetBool("f") == f);
  RC_ASSERT(reader.Finish().ok());
}

RC_GTEST_PROP(Codec, TruncationIsAlwaysDetected, (std::string s, std::uint64_t a)) {
  Writer writer;
  writer.PutBytes(s);
  writer.PutU64(a);
  const std::string full = writer.Take();
  const std::size_t cut = *rc::gen::inRange<std::size_t>(0, full.size());
  Reader reader(std::string_view(full).substr(0, cut));
  reader.GetBytes(1 << 20, "s");
  reader.GetU64("a");
  RC_ASSERT(!reader.Finish().ok());
}

}  // namespace
}  // namespace nuri::codec
