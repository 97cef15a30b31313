// The names a DB instance's endpoint answers to, and so the names its
// server certificate must cover.
//
// DNS name: RDS names an endpoint <identifier>.<12 characters>.<region>.rds.amazonaws.com.
// Tandem keeps the shape under a domain of its own that no public resolver
// answers for: <identifier>.<hash>.<region>.rds.tandem.internal, where hash
// is 12 lower-case letters and digits derived from the instance's
// DbiResourceId (stable for the instance's life, different for a new
// instance of the same name). Clients that want to verify the certificate
// against that name map it to the endpoint address themselves (hosts file,
// or their own DNS); connecting to 127.0.0.1 or a configured endpoint
// address verifies too, since the certificate names those as well.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "rds/db_instance.h"

namespace tandem::control {

inline constexpr const char* kEndpointDomain = "rds.tandem.internal";

std::string EndpointDnsName(const rds::DbInstance& instance);

// Subject alternative names of the instance's server certificate:
// "localhost", "127.0.0.1", the endpoint DNS name, then endpoint_addresses
// (host names or IP addresses clients use for the endpoint), without
// repeats.
std::vector<std::string> CertificateNames(const rds::DbInstance& instance,
                                          const std::vector<std::string>& endpoint_addresses);

}  // namespace tandem::control
