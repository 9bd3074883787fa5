// TLS identities of nodes (docs/network.md): each organization has a certificate authority, and
// each of its nodes a key and a certificate the CA issued, naming the node (subject CN) and its
// organization (O). Keys are Ed25519. A node accepts a peer only when the peer's certificate
// chains to one of the network's CAs, names a member of the network, and carries the key the
// network lists for that member (`Member::key_fingerprint`): a valid certificate of a node that
// is not a member, or of a member with another key, is refused.
//
// Value types and pure functions over PEM text; nothing here touches a socket or a file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/hash.h"

namespace nuri::net {

struct TlsCredentials {
  std::string certificate_pem;
  std::string key_pem;  // PKCS#8; encrypted when sealed with a passphrase
};

// A self-signed CA for `org`, valid for ten years from now.
base::Result<TlsCredentials> MakeCertificateAuthority(std::string_view org);
// A node certificate for `node` of `org`, issued by `ca`, for both ends of a connection.
base::Result<TlsCredentials> IssueNodeCertificate(const TlsCredentials& ca, std::string_view node,
                                                  std::string_view org);

// A certificate for a node's HTTPS API, issued by its organization's CA `ca`: an ECDSA P-256 key
// (what browsers and phones accept), for serverAuth only, naming `hosts` (IP addresses or DNS
// names) as its subject alternative names, which clients check.
base::Result<TlsCredentials> IssueApiCertificate(const TlsCredentials& ca, std::string_view node,
                                                 std::string_view org,
                                                 const std::vector<std::string>& hosts);

// SHA-256 of the certificate's public key (its DER SubjectPublicKeyInfo): what the network lists
// for each member.
base::Result<crypto::Hash> PublicKeyFingerprint(std::string_view certificate_pem);
// The subject CN of a certificate.
base::Result<std::string> CommonName(std::string_view certificate_pem);

// The key encrypted under `passphrase` (encrypted PKCS#8: AES-256-CBC under a key PBKDF2 derives
// from the passphrase), so that it is never at rest in the clear; and opened again.
base::Result<std::string> SealKey(std::string_view key_pem, std::string_view passphrase);
base::Result<std::string> OpenKey(std::string_view sealed_pem, std::string_view passphrase);

// A member of the network as peers know it.
struct Member {
  std::string name;
  crypto::Hash key_fingerprint;
};

}  // namespace nuri::net
