// XML rendering of Query protocol responses, read back with a small XML
// reader: wrappers, list element names, escaping, booleans, timestamps.
#include "api/query_output.h"

#include <gtest/gtest.h>

#include "xml_reader.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;
using testing_xml::Element;
using testing_xml::XmlReader;

const QueryModel& Rds() {
  static const std::shared_ptr<const QueryModel> model = QueryModel::LoadEmbedded("rds").value();
  return *model;
}

Element Parse(const std::string& xml) {
  std::optional<Element> root = XmlReader::Parse(xml);
  EXPECT_TRUE(root) << "not well-formed: " << xml;
  return root.value_or(Element{});
}

TEST(QueryOutput, DescribeDBInstancesShape) {
  Json output = {{"DBInstances",
                  {{{"DBInstanceIdentifier", "mydb"},
                    {"AllocatedStorage", 20},
                    {"MultiAZ", false},
                    {"StorageEncrypted", true},
                    {"InstanceCreateTime", 1700000000.123},
                    {"Endpoint", {{"Address", "127.0.0.1"}, {"Port", 3306}}},
                    {"DBParameterGroups",
                     {{{"DBParameterGroupName", "pg"}, {"ParameterApplyStatus", "in-sync"}}}},
                    {"VpcSecurityGroups", Json::array()},
                    {"TagList", {{{"Key", "a<b"}, {"Value", "x & y \"q\" 'z' >"}}}},
                    {"NotInTheModel", "dropped"}}}},
                 {"Marker", "m"}};
  Element root = Parse(RenderQueryResponse(Rds(), "DescribeDBInstances", output, "req-1"));
  EXPECT_EQ(root.name, "DescribeDBInstancesResponse");
  ASSERT_EQ(root.attributes.size(), 1u);
  EXPECT_EQ(root.attributes[0], (std::pair<std::string, std::string>{
                                    "xmlns", "http://rds.amazonaws.com/doc/2014-10-31/"}));
  EXPECT_EQ(root.Text("ResponseMetadata/RequestId"), "req-1");
  const Element* result = root.Child("DescribeDBInstancesResult");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->Text("Marker"), "m");
  const Element* db = result->Path("DBInstances/DBInstance");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->Text("DBInstanceIdentifier"), "mydb");
  EXPECT_EQ(db->Text("AllocatedStorage"), "20");
  EXPECT_EQ(db->Text("MultiAZ"), "false");
  EXPECT_EQ(db->Text("StorageEncrypted"), "true");
  EXPECT_EQ(db->Text("InstanceCreateTime"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(db->Text("Endpoint/Port"), "3306");
  EXPECT_EQ(db->Text("DBParameterGroups/DBParameterGroup/ParameterApplyStatus"), "in-sync");
  ASSERT_NE(db->Child("VpcSecurityGroups"), nullptr);
  EXPECT_TRUE(db->Child("VpcSecurityGroups")->children.empty());
  EXPECT_EQ(db->Text("TagList/Tag/Key"), "a<b");
  EXPECT_EQ(db->Text("TagList/Tag/Value"), "x & y \"q\" 'z' >");
  EXPECT_EQ(db->Child("NotInTheModel"), nullptr);
}

TEST(QueryOutput, MembersFollowModelOrder) {
  Json output = {{"DBInstances", {{{"Engine", "mysql"}, {"DBInstanceIdentifier", "a"}}}}};
  Element root = Parse(RenderQueryResponse(Rds(), "DescribeDBInstances", output, "r"));
  const Element* db = root.Path("DescribeDBInstancesResult/DBInstances/DBInstance");
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(db->children.size(), 2u);
  EXPECT_EQ(db->children[0].name, "DBInstanceIdentifier");
  EXPECT_EQ(db->children[1].name, "Engine");
}

TEST(QueryOutput, OperationWithoutOutputHasOnlyMetadata) {
  Element root = Parse(RenderQueryResponse(Rds(), "AddTagsToResource", Json::object(), "r"));
  EXPECT_EQ(root.name, "AddTagsToResourceResponse");
  ASSERT_EQ(root.children.size(), 1u);
  EXPECT_EQ(root.children[0].name, "ResponseMetadata");
}

TEST(QueryOutput, CharactersXmlCannotCarryAreReplaced) {
  Json output = {{"TagList", {{{"Key", std::string("a\x01") + "b\rc\xff"}, {"Value", "\t\n"}}}}};
  std::string xml = RenderQueryResponse(Rds(), "ListTagsForResource", output, "r");
  Element root = Parse(xml);
  EXPECT_EQ(root.Text("ListTagsForResourceResult/TagList/Tag/Key"),
            "a\xEF\xBF\xBD"
            "b\rc\xEF\xBF\xBD");
  EXPECT_EQ(root.Text("ListTagsForResourceResult/TagList/Tag/Value"), "\t\n");
}

TEST(QueryOutput, ErrorResponse) {
  ApiError e{"DBInstanceNotFound", "DBInstance <x> not found.", 404, false};
  Element root =
      Parse(RenderQueryError("http://rds.amazonaws.com/doc/2014-10-31/", e, true, "req-2"));
  EXPECT_EQ(root.name, "ErrorResponse");
  EXPECT_EQ(root.Text("Error/Type"), "Sender");
  EXPECT_EQ(root.Text("Error/Code"), "DBInstanceNotFound");
  EXPECT_EQ(root.Text("Error/Message"), "DBInstance <x> not found.");
  EXPECT_EQ(root.Text("RequestId"), "req-2");
  Element server = Parse(RenderQueryError("ns", e, false, "r"));
  EXPECT_EQ(server.Text("Error/Type"), "Receiver");
}

TEST(QueryOutput, MapsAndFlattenedLists) {
  std::string model = R"({
    "metadata": {"apiVersion": "1", "protocol": "query", "xmlNamespace": "urn:x"},
    "operations": {"Op": {"name": "Op", "output": {"shape": "Out"}}},
    "shapes": {
      "Out": {"type": "structure", "members": {
        "Flat": {"shape": "FlatList"}, "Map": {"shape": "Map"},
        "Renamed": {"shape": "S", "locationName": "Wire"}}},
      "FlatList": {"type": "list", "member": {"shape": "S", "locationName": "Item"},
                   "flattened": true},
      "Map": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
      "S": {"type": "string"}}})";
  auto parsed = QueryModel::Parse(model);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Json output = {{"Flat", {"a", "b"}}, {"Map", {{"k", "v"}}}, {"Renamed", "r"}};
  Element root = Parse(RenderQueryResponse(**parsed, "Op", output, "r"));
  const Element* result = root.Child("OpResult");
  ASSERT_NE(result, nullptr);
  ASSERT_EQ(result->children.size(), 4u);
  EXPECT_EQ(result->children[0].name, "Item");
  EXPECT_EQ(result->children[1].text, "b");
  EXPECT_EQ(result->Text("Map/entry/key"), "k");
  EXPECT_EQ(result->Text("Map/entry/value"), "v");
  EXPECT_EQ(result->Text("Wire"), "r");
}

}  // namespace
}  // namespace tandem::api
