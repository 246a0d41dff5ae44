// OpenSSL 3 (Debian libssl-dev) for FIX over TLS. Imported by PeregrineFIXTransport alone
// (FIXTLSContext, FIXTLSConnection).
#ifndef CLIBSSL_SHIM_H
#define CLIBSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <openssl/bio.h>

// Why wrappers: OpenSSL defines the operations below as function-like macros over
// SSL_CTX_ctrl / SSL_ctrl (and the constants as macro expressions), which Swift cannot
// import. Each is a one-line static inline with the macro's own name prefixed.

/// SSL_CTX_set_min_proto_version (a macro): the lowest protocol version offered/accepted.
static inline int CLibSSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

/// SSL_CTX_set_max_proto_version (a macro): the highest protocol version (0: the library's).
static inline int CLibSSL_CTX_set_max_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_max_proto_version(context, version);
}

/// SSL_CTX_set_mode (a macro) with SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: a retried SSL_write
/// may pass the same bytes from another address.
static inline long CLibSSL_CTX_accept_moving_write_buffer(SSL_CTX *context) {
    return SSL_CTX_set_mode(context, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// SSL_set_tlsext_host_name (a macro): the SNI name a client sends.
static inline int CLibSSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// TLS1_2_VERSION / TLS1_3_VERSION (macros).
static inline int CLibSSL_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline int CLibSSL_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }

#endif
