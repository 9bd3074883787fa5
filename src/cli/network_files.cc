#include "cli/network_files.h"

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "base/hex.h"
#include "cli/args.h"
#include "core/block.h"
#include "crypto/key_file.h"
#include "net/tls_identity.h"

namespace nuri::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// The CA of `org` under `directory`/tls: the existing one, or a new one.
base::Result<net::TlsCredentials> Authority(const std::string& directory, const std::string& org,
                                            const std::string& password) {
  const std::string certificate_file = directory + "/tls/" + org + "-ca.pem";
  const std::string key_file = directory + "/tls/" + org + "-ca.key";
  if (fs::exists(certificate_file) || fs::exists(key_file)) {
    auto certificate = ReadFile(certificate_file);
    auto sealed = ReadFile(key_file);
    if (!certificate || !sealed) {
      return base::Error(
          base::Status::NotFound("the CA of " + org + " is incomplete in " + directory + "/tls"));
    }
    auto key = net::OpenKey(*sealed, password);
    if (!key) return base::Error(key.error());
    return net::TlsCredentials{*certificate, *key};
  }
  auto ca = net::MakeCertificateAuthority(org);
  if (!ca) return base::Error(ca.error());
  auto sealed = net::SealKey(ca->key_pem, password);
  if (!sealed) return base::Error(sealed.error());
  if (auto status = WriteFileAtomically(certificate_file, ca->certificate_pem); !status.ok())
    return base::Error(status);
  if (auto status = WriteFileAtomically(key_file, *sealed, 0600); !status.ok())
    return base::Error(status);
  return *ca;
}

}  // namespace

base::Status CheckNodePlans(const std::vector<NodePlan>& nodes) {
  std::set<std::string> names;
  bool any_validator = false;
  for (const NodePlan& node : nodes) {
    const std::string at = "node " + (node.name.empty() ? std::string("(unnamed)") : node.name);
    if (!core::IsValidatorName(node.name)) {
      return base::Status::InvalidArgument(
          at + ": a name is 1-64 lowercase letters, digits, '-', '_' and '.'");
    }
    if (!names.insert(node.name).second) return base::Status::InvalidArgument(at + ": duplicate");
    if (node.role != "validator" && node.role != "observer") {
      return base::Status::InvalidArgument(at + ": role is validator or observer");
    }
    if (!core::IsValidatorName(node.org)) {
      return base::Status::InvalidArgument(at + ": org is an organization id");
    }
    if (node.api.empty() || node.p2p.empty()) {
      return base::Status::InvalidArgument(at + ": api and p2p addresses are required");
    }
    any_validator = any_validator || node.role == "validator";
  }
  if (!any_validator) return base::Status::InvalidArgument("a network needs a validator");
  return base::Status::Ok();
}

// "https://127.0.0.1:7301" -> "127.0.0.1"; "https://[::1]:7301" -> "::1".
std::string HostOf(std::string_view url) {
  std::string_view rest =
      url.substr(url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) return std::string(rest.substr(1, rest.find(']') - 1));
  return std::string(rest.substr(0, rest.rfind(':')));
}

// The node's HTTPS certificate (then its CA's) and its key sealed under the password.
base::Status WriteApiCertificate(const std::string& node_directory, const NodePlan& node,
                                 const net::TlsCredentials& ca, const std::string& password) {
  auto api =
      net::IssueApiCertificate(ca, node.name, node.org, {HostOf(node.https_api), "localhost"});
  if (!api) return api.error();
  auto sealed = net::SealKey(api->key_pem, password);
  if (!sealed) return sealed.error();
  NURI_RETURN_IF_ERROR(WriteFileAtomically(node_directory + "/api_tls.pem",
                                           api->certificate_pem + ca.certificate_pem));
  return WriteFileAtomically(node_directory + "/api_tls.key", *sealed, 0600);
}

base::Result<std::vector<NodeMade>> WriteNetworkFiles(const std::string& directory,
                                                      const std::vector<NodePlan>& nodes,
                                                      const std::string& password) {
  if (auto status = CheckNodePlans(nodes); !status.ok()) return base::Error(status);
  for (const NodePlan& node : nodes) {
    if (fs::exists(directory + "/nodes/" + node.name + "/validator.key")) {
      return base::Error(base::Status::AlreadyExists(directory + "/nodes/" + node.name +
                                                     " holds keys already; not overwriting them"));
    }
  }
  std::error_code error;
  fs::create_directories(directory + "/tls", error);
  if (error) return base::Error(base::Status::IoError("cannot create " + directory + "/tls"));
  // Each node belongs to an institution, whose CA certifies it (docs/network.md).
  std::map<std::string, net::TlsCredentials> authorities;
  json::array authority_files;
  json::array members;
  std::vector<NodeMade> made;
  for (const NodePlan& node : nodes) {
    auto found = authorities.find(node.org);
    if (found == authorities.end()) {
      auto ca = Authority(directory, node.org, password);
      if (!ca) return base::Error(ca.error());
      found = authorities.emplace(node.org, *ca).first;
      authority_files.push_back(json::string("tls/" + node.org + "-ca.pem"));
    }
    const std::string node_directory = directory + "/nodes/" + node.name;
    fs::create_directories(node_directory, error);
    if (error) return base::Error(base::Status::IoError("cannot create " + node_directory));
    // Observers get a consensus key too: a governor may make one a validator.
    const crypto::SecretKey consensus_key = crypto::SecretKey::Generate();
    auto sealed_key = crypto::SealKeyFile({node.name, consensus_key, false}, password);
    if (!sealed_key) return base::Error(sealed_key.error());
    if (auto status = WriteFileAtomically(node_directory + "/validator.key", *sealed_key, 0600);
        !status.ok())
      return base::Error(status);
    auto tls = net::IssueNodeCertificate(found->second, node.name, node.org);
    if (!tls) return base::Error(tls.error());
    auto sealed_tls = net::SealKey(tls->key_pem, password);
    if (!sealed_tls) return base::Error(sealed_tls.error());
    auto fingerprint = net::PublicKeyFingerprint(tls->certificate_pem);
    if (!fingerprint) return base::Error(fingerprint.error());
    if (auto status = WriteFileAtomically(node_directory + "/tls.pem", tls->certificate_pem);
        !status.ok())
      return base::Error(status);
    if (auto status = WriteFileAtomically(node_directory + "/tls.key", *sealed_tls, 0600);
        !status.ok())
      return base::Error(status);
    json::object member{{"name", node.name}, {"role", node.role},
                        {"org", node.org},   {"api", node.api},
                        {"p2p", node.p2p},   {"tls_key_fingerprint", fingerprint->ToHex()}};
    if (!node.https_api.empty()) {
      if (auto status = WriteApiCertificate(node_directory, node, found->second, password);
          !status.ok())
        return base::Error(status);
      member["https_api"] = node.https_api;
    }
    members.push_back(std::move(member));
    made.push_back({node, consensus_key.public_key(), fingerprint->ToHex()});
  }
  const json::object network{{"nodes", std::move(members)},
                             {"certificate_authorities", std::move(authority_files)}};
  if (auto status =
          WriteFileAtomically(directory + "/network.json", json::serialize(network) + "\n");
      !status.ok())
    return base::Error(status);
  return made;
}

}  // namespace nuri::cli
