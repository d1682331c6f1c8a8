// Parsing of S3's XML answers, including hostile documents.
#include "storage/s3_xml.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::storage {
namespace {

TEST(S3XmlTest, ParsesListObjectsV2) {
  auto result = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>a/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>a/1 &amp; &lt;2&gt; &#233;&#x4e2d;</Key><LastModified>2009-10-12T17:50:30.123Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <!-- a comment -->
  <Contents><Key><![CDATA[a/<raw>]]></Key><LastModified>1970-01-01T00:00:01Z</LastModified><Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->objects.size(), 2u);
  EXPECT_EQ(result->objects[0].key, "a/1 & <2> \xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(result->objects[0].size, 434234u);
  EXPECT_EQ(result->objects[0].last_modified_ms, 1255369830123);
  EXPECT_EQ(result->objects[1].key, "a/<raw>");
  EXPECT_EQ(result->objects[1].size, 0u);
  EXPECT_EQ(result->objects[1].last_modified_ms, 1000);
  EXPECT_TRUE(result->is_truncated);
  EXPECT_EQ(result->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  auto empty = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_FALSE(empty->is_truncated);
}

TEST(S3XmlTest, ParsesDeleteResultAndErrors) {
  auto result = ParseDeleteResult(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted><Key>gone</Key></Deleted>
  <Error><Key>x/1</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
  <Error><Key>y</Key><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>
</DeleteResult>)");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].key, "x/1");
  EXPECT_EQ((*result)[0].code, "AccessDenied");
  EXPECT_EQ((*result)[0].message, "Access Denied");
  EXPECT_EQ((*result)[1].code, "NoSuchKey");

  S3ErrorBody error = ParseErrorBody(
      "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Reduce your rate</Message>"
      "<RequestId>1</RequestId></Error>");
  EXPECT_EQ(error.code, "SlowDown");
  EXPECT_EQ(error.message, "Reduce your rate");
  EXPECT_EQ(ParseErrorBody("").code, "");
  EXPECT_EQ(ParseErrorBody("<html>bad gateway</html>").code, "");
}

TEST(S3XmlTest, DeleteRequestEscapesKeys) {
  std::string xml = DeleteRequestXml({"a&b", "<c>\"'", "tab\there"});
  EXPECT_NE(xml.find("<Quiet>true</Quiet>"), std::string::npos);
  EXPECT_NE(xml.find("<Key>a&amp;b</Key>"), std::string::npos);
  EXPECT_NE(xml.find("<Key>&lt;c&gt;&quot;&apos;</Key>"), std::string::npos);
  // What we write, we read back identically.
  auto parsed = ParseXml(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->children.size(), 4u);
  EXPECT_EQ(parsed->children[1].Child("Key")->text, "a&b");
  EXPECT_EQ(parsed->children[2].Child("Key")->text, "<c>\"'");
  EXPECT_EQ(parsed->children[3].Child("Key")->text, "tab\there");
}

TEST(S3XmlTest, HostileDocumentsAreErrorsNotCrashes) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  std::string wide = "<ListBucketResult>";
  for (int i = 0; i < 300000; ++i) wide += "<x/>";
  wide += "</ListBucketResult>";
  const std::string hostile[] = {
      "",
      "   ",
      "<",
      "<ListBucketResult",
      "<ListBucketResult>",
      "<ListBucketResult></ListBucket>",
      "<ListBucketResult></ListBucketResult><second/>",
      "text only",
      deep,
      wide,
      // Entity expansion ("billion laughs") and external entities: DOCTYPE is refused.
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
      "\"&lol;&lol;&lol;\">]><ListBucketResult><Name>&lol2;</Name></ListBucketResult>",
      "<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><ListBucketResult/>",
      "<ListBucketResult><Name>&lol;</Name></ListBucketResult>",
      "<ListBucketResult><Name>&#0;</Name></ListBucketResult>",
      "<ListBucketResult><Name>&#x110000;</Name></ListBucketResult>",
      "<ListBucketResult><Name>&#xD800;</Name></ListBucketResult>",
      "<ListBucketResult><Name>&#99999999999999999999;</Name></ListBucketResult>",
      "<ListBucketResult><Name>&amp</Name></ListBucketResult>",
      "<ListBucketResult><![CDATA[never closed</ListBucketResult>",
      "<ListBucketResult><!-- never closed </ListBucketResult>",
      "<ListBucketResult a=b></ListBucketResult>",
      "<ListBucketResult a=\"b></ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key><Size>99999999999999999999</Size></Contents>"
      "</ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key><Size>12x</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>",
      "<ListBucketResult><Contents><Key>k</Key><Size>1</Size><LastModified>yesterday"
      "</LastModified></Contents></ListBucketResult>",
      "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
      "<Error><Code>NoSuchBucket</Code></Error>",
      std::string("<ListBucketResult>\0</ListBucketResult>", 37),
  };
  for (const auto& doc : hostile) {
    auto result = ParseListObjectsV2(doc);
    EXPECT_FALSE(result.ok()) << doc.substr(0, 120);
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
    }
  }
  EXPECT_FALSE(ParseDeleteResult("<ListBucketResult/>").ok());
  EXPECT_FALSE(ParseDeleteResult(deep).ok());
}

TEST(S3XmlTest, Iso8601) {
  EXPECT_EQ(*ParseIso8601Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIso8601Ms("2026-01-26T12:34:56.7Z"), 1769430896700);
  EXPECT_FALSE(ParseIso8601Ms("2026-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseIso8601Ms("2026-01-01T00:00:00+01:00").ok());
  EXPECT_FALSE(ParseIso8601Ms("2026-01-01T00:00:00.Z").ok());
}

}  // namespace
}  // namespace sluice::storage
