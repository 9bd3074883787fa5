// The API's JSON answers: a body, or the uniform error {"code","message","field"} (field only
// when one input field is at fault).
#pragma once

#include <string_view>

#include <boost/json.hpp>

#include "api/http_server.h"

namespace nuri::api {

HttpResponse JsonResponse(int status, const boost::json::value& body);
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           std::string_view field = {});

}  // namespace nuri::api
