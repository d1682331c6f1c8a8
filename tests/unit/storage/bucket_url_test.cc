#include "storage/bucket_url.h"

#include <gtest/gtest.h>

#include "storage/object_store.h"

namespace sluice::storage {
namespace {

TEST(BucketUrlTest, ParsesSchemes) {
  auto mem = ParseBucketUrl("mem://playground");
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ(mem->scheme, BucketScheme::kMem);
  EXPECT_EQ(mem->location, "playground");

  auto abs = ParseBucketUrl("file:///var/lib/sluice/bucket");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->scheme, BucketScheme::kFile);
  EXPECT_EQ(abs->location, "/var/lib/sluice/bucket");

  auto rel = ParseBucketUrl("file://data/bucket");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->location, "data/bucket");

  auto s3 =
      ParseBucketUrl("s3://my-bucket?region=us-east-1&endpoint=http%3A%2F%2Flocalhost%3A4568");
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  EXPECT_EQ(s3->scheme, BucketScheme::kS3);
  EXPECT_EQ(s3->location, "my-bucket");
  EXPECT_EQ(s3->params.at("region"), "us-east-1");
  EXPECT_EQ(s3->params.at("endpoint"), "http://localhost:4568");
}

TEST(BucketUrlTest, PrefixIsTrimmedAndValidated) {
  auto url = ParseBucketUrl("file:///b?prefix=/team%2Fa/");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->prefix, "team/a");
  auto bad = ParseBucketUrl("mem://b?prefix=a/../b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("prefix"), std::string::npos);
}

TEST(BucketUrlTest, BadUrlsSayWhatIsWrong) {
  struct Case {
    const char* url;
    const char* mentions;
  };
  for (const Case& c :
       {Case{"bucket", "SCHEME://"}, Case{"gcs://b", "unknown scheme 'gcs'"},
        Case{"mem://", "missing bucket name"}, Case{"file://", "missing directory"},
        Case{"mem://a b", "bucket name"}, Case{"mem://b?x=1", "'x'"},
        Case{"mem://b?prefix", "no '=value'"}, Case{"mem://b?prefix=%zz", "percent"},
        Case{"mem://b?prefix=a&prefix=b", "twice"}}) {
    auto r = ParseBucketUrl(c.url);
    ASSERT_FALSE(r.ok()) << c.url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(r.status().message().find(c.mentions), std::string::npos)
        << c.url << " -> " << r.status().message();
  }
}

TEST(BucketUrlTest, OpeningS3ChecksItsOptions) {
  asio::thread_pool pool(1);
  auto unknown = OpenObjectStore("s3://bucket?region=x&colour=blue", pool.get_executor());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos);
  auto bad = OpenObjectStore("s4://bucket", pool.get_executor());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  pool.join();
}

}  // namespace
}  // namespace sluice::storage
