// The API's description: the OpenAPI 3.1 document (src/api/openapi.json, compiled in and
// served at /openapi.json) and a readable page made from it (/docs). tests/e2e/openapi_test.sh
// checks that a live node and the document agree.
//
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace nuri::api {

std::string_view OpenApiDocument();
// The document as an HTML page: every operation with its parameters, body and answers.
const std::string& OpenApiPage();

}  // namespace nuri::api
