#include "net/tls_identity.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <initializer_list>
#include <memory>

namespace nuri::net {

namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;
// Certificates start an hour back, so that peers whose clocks lag a little accept them.
constexpr long kBackdateSeconds = 3600;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Certificate = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

base::Status OpenSslError(std::string_view what) {
  std::string detail;
  if (const unsigned long code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    detail = std::string(": ") + text;
  }
  ERR_clear_error();
  return base::Status::InvalidArgument(std::string(what) + detail);
}

Bio ReadBio(std::string_view text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

base::Result<Certificate> ReadCertificate(std::string_view pem) {
  Bio bio = ReadBio(pem);
  Certificate certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) return base::Error(OpenSslError("not a PEM certificate"));
  return certificate;
}

base::Result<Key> ReadKey(std::string_view pem, const char* passphrase) {
  Bio bio = ReadBio(pem);
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>(passphrase)));
  if (!key) return base::Error(OpenSslError("not a PEM private key, or the wrong passphrase"));
  return key;
}

bool AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

// A certificate for `key` named CN=common_name, O=org, valid from now, not yet signed.
base::Result<Certificate> NewCertificate(EVP_PKEY* key, std::string_view common_name,
                                         std::string_view org) {
  Certificate certificate(X509_new());
  unsigned char serial_bytes[16];
  if (!certificate || RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) {
    return base::Error(OpenSslError("cannot make a certificate"));
  }
  serial_bytes[0] &= 0x7f;  // a positive serial number
  std::unique_ptr<BIGNUM, Free> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  const std::string cn(common_name);
  const std::string o(org);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_set_version(certificate.get(), 2) != 1 || !serial ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValiditySeconds) == nullptr ||
      X509_set_pubkey(certificate.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1) {
    return base::Error(OpenSslError("cannot fill a certificate"));
  }
  return certificate;
}

base::Result<TlsCredentials> Finish(X509* certificate, EVP_PKEY* signing_key, EVP_PKEY* key) {
  // Ed25519 signs the whole certificate: no separate digest.
  if (X509_sign(certificate, signing_key, nullptr) <= 0) {
    return base::Error(OpenSslError("cannot sign a certificate"));
  }
  Bio certificate_bio(BIO_new(BIO_s_mem()));
  Bio key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(certificate_bio.get(), certificate) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return base::Error(OpenSslError("cannot write PEM"));
  }
  return TlsCredentials{Drain(certificate_bio.get()), Drain(key_bio.get())};
}

Key NewKey() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

// A certificate for `key` named CN=common_name, O=org, issued by `ca`: not a CA itself, with
// the extensions given.
base::Result<TlsCredentials> IssueLeaf(const TlsCredentials& ca, Key key,
                                       std::string_view common_name, std::string_view org,
                                       std::initializer_list<std::pair<int, const char*>> extensions) {
  auto ca_certificate = ReadCertificate(ca.certificate_pem);
  if (!ca_certificate) return base::Error(ca_certificate.error());
  auto ca_key = ReadKey(ca.key_pem, nullptr);
  if (!ca_key) return base::Error(ca_key.error());
  auto certificate = NewCertificate(key.get(), common_name, org);
  if (!certificate) return base::Error(certificate.error());
  X509* x = certificate->get();
  X509* issuer = ca_certificate->get();
  bool made = X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1 &&
              AddExtension(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
              AddExtension(x, issuer, NID_authority_key_identifier, "keyid");
  for (const auto& [nid, value] : extensions) made = made && AddExtension(x, issuer, nid, value);
  if (!made) return base::Error(OpenSslError("cannot make a certificate"));
  return Finish(x, ca_key->get(), key.get());
}

}  // namespace

base::Result<TlsCredentials> MakeCertificateAuthority(std::string_view org) {
  Key key = NewKey();
  if (!key) return base::Error(OpenSslError("cannot make an Ed25519 key"));
  auto certificate = NewCertificate(key.get(), "Nuri CA of " + std::string(org), org);
  if (!certificate) return base::Error(certificate.error());
  X509* x = certificate->get();
  if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
      !AddExtension(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !AddExtension(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(x, x, NID_subject_key_identifier, "hash")) {
    return base::Error(OpenSslError("cannot make a CA certificate"));
  }
  return Finish(x, key.get(), key.get());
}

base::Result<TlsCredentials> IssueNodeCertificate(const TlsCredentials& ca, std::string_view node,
                                                  std::string_view org) {
  Key key = NewKey();
  if (!key) return base::Error(OpenSslError("cannot make an Ed25519 key"));
  return IssueLeaf(ca, std::move(key), node, org,
                   {{NID_key_usage, "critical,digitalSignature"},
                    {NID_ext_key_usage, "serverAuth,clientAuth"}});
}

base::Result<TlsCredentials> IssueApiCertificate(const TlsCredentials& ca, std::string_view node,
                                                 std::string_view org,
                                                 const std::vector<std::string>& hosts) {
  if (hosts.empty())
    return base::Error(base::Status::InvalidArgument("an API certificate names its hosts"));
  std::string names;
  for (const std::string& host : hosts) {
    unsigned char address[16];
    const bool ip = inet_pton(AF_INET, host.c_str(), address) == 1 ||
                    inet_pton(AF_INET6, host.c_str(), address) == 1;
    if (host.empty() || host.find_first_of(", \t\n") != std::string::npos) {
      return base::Error(base::Status::InvalidArgument("not a host name: " + host));
    }
    names += (names.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + host;
  }
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return base::Error(OpenSslError("cannot make a P-256 key"));
  return IssueLeaf(ca, std::move(key), std::string(node) + " API", org,
                   {{NID_key_usage, "critical,digitalSignature"},
                    {NID_ext_key_usage, "serverAuth"},
                    {NID_subject_alt_name, names.c_str()}});
}

base::Result<crypto::Hash> PublicKeyFingerprint(std::string_view certificate_pem) {
  auto certificate = ReadCertificate(certificate_pem);
  if (!certificate) return base::Error(certificate.error());
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(X509_get0_pubkey(certificate->get()), &der);
  if (size <= 0) return base::Error(OpenSslError("the certificate has no public key"));
  const crypto::Hash fingerprint =
      crypto::Sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  return fingerprint;
}

base::Result<std::string> CommonName(std::string_view certificate_pem) {
  auto certificate = ReadCertificate(certificate_pem);
  if (!certificate) return base::Error(certificate.error());
  char name[256];
  const int size = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate->get()),
                                             NID_commonName, name, sizeof name);
  if (size <= 0) return base::Error(base::Status::InvalidArgument("the certificate names no CN"));
  return std::string(name, static_cast<std::size_t>(size));
}

base::Result<std::string> SealKey(std::string_view key_pem, std::string_view passphrase) {
  auto key = ReadKey(key_pem, nullptr);
  if (!key) return base::Error(key.error());
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key->get(), EVP_aes_256_cbc(), passphrase.data(),
                                    static_cast<int>(passphrase.size()), nullptr, nullptr) != 1) {
    return base::Error(OpenSslError("cannot seal the key"));
  }
  return Drain(bio.get());
}

base::Result<std::string> OpenKey(std::string_view sealed_pem, std::string_view passphrase) {
  const std::string pass(passphrase);
  auto key = ReadKey(sealed_pem, pass.c_str());
  if (!key) return base::Error(key.error());
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return base::Error(OpenSslError("cannot write the key"));
  }
  return Drain(bio.get());
}

}  // namespace nuri::net
