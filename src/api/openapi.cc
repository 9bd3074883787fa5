#include "api/openapi.h"

#include <algorithm>
#include <boost/json.hpp>

namespace nuri::api {

namespace json = boost::json;

namespace {

std::string EscapeHtml(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string Text(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// A parameter or response that may be a reference into components.
const json::object& Resolve(const json::object& document, const json::object& item) {
  const std::string reference = Text(item, "$ref");
  if (reference.empty()) return item;
  // "#/components/<kind>/<name>"
  const json::value* target = &document.at("components");
  std::string_view rest =
      std::string_view(reference).substr(std::string_view("#/components/").size());
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    target = &target->at(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return target->as_object();
}

std::string OperationSection(const json::object& document, std::string_view path,
                             std::string_view method, const json::object& operation) {
  std::string html = "<section><h3><code>" + EscapeHtml(method) + " " + EscapeHtml(path) +
                     "</code></h3>\n<p>" + EscapeHtml(Text(operation, "summary")) + "</p>\n";
  if (const std::string description = Text(operation, "description"); !description.empty()) {
    html += "<p>" + EscapeHtml(description) + "</p>\n";
  }
  if (operation.contains("security")) html += "<p>Needs a wallet session (bearer token).</p>\n";
  if (const json::value* parameters = operation.if_contains("parameters")) {
    html += "<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>\n";
    for (const json::value& item : parameters->as_array()) {
      const json::object& parameter = Resolve(document, item.as_object());
      html += "<tr><td><code>" + EscapeHtml(Text(parameter, "name")) + "</code></td><td>" +
              EscapeHtml(Text(parameter, "in")) + "</td><td>" +
              EscapeHtml(Text(parameter, "description")) + "</td></tr>\n";
    }
    html += "</table>\n";
  }
  if (const json::value* body = operation.if_contains("requestBody")) {
    html += "<p>Body:";
    for (const auto& [type, content] : body->at("content").as_object()) {
      html += " <code>" + EscapeHtml(type) + "</code>";
    }
    html += "</p>\n";
  }
  html += "<table><tr><th>status</th><th>answer</th></tr>\n";
  for (const auto& [status, item] : operation.at("responses").as_object()) {
    html += "<tr><td>" + EscapeHtml(status) + "</td><td>" +
            EscapeHtml(Text(Resolve(document, item.as_object()), "description")) + "</td></tr>\n";
  }
  return html + "</table></section>\n";
}

std::string RenderPage() {
  const json::value parsed = json::parse(OpenApiDocument());
  const json::object& document = parsed.as_object();
  const json::object& info = document.at("info").as_object();
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      EscapeHtml(Text(info, "title")) +
      "</title><style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
      "text-align:left;vertical-align:top}section{margin-bottom:2em}</style></head><body>\n<h1>" +
      EscapeHtml(Text(info, "title")) + "</h1>\n<p>" + EscapeHtml(Text(info, "description")) +
      "</p>\n<p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI " +
      EscapeHtml(Text(document, "openapi")) + ").</p>\n";
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      // A path item also holds shared parameters, a summary and the like.
      static constexpr std::string_view kMethods[] = {"get",  "put",     "post",  "delete",
                                                      "head", "options", "patch", "trace"};
      if (std::ranges::find(kMethods, std::string_view(method)) == std::end(kMethods)) continue;
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
      html += OperationSection(document, path, upper, operation.as_object());
    }
  }
  return html + "</body></html>\n";
}

}  // namespace

const std::string& OpenApiPage() {
  // The document is compiled in and checked by tests: failing to render it is a bug.
  static const std::string page = RenderPage();
  return page;
}

}  // namespace nuri::api
