// The Endpoint.Port of a new DB instance: the port clients connect to on the
// endpoint address. Ports belong to the whole machine, not to a region, so
// every instance of every region counts.
//
// Without an explicit Port, the first port from first_port up that no
// instance uses and that is free to bind on 127.0.0.1 right now (no other
// process listens there). An explicit Port is honoured if free, else refused
// with InvalidParameterValue naming who holds it: "Port 3306 is in use by DB
// instance mydb" or "... by another process".
//
// Choosing is not atomic with creating: RdsService serialises creations.
// Pure apart from the probe; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "api/api_error.h"

namespace tandem::rds {

// Whether port can be bound on 127.0.0.1 now.
using PortProbe = std::function<bool(uint16_t port)>;

// The real probe: binds (with SO_REUSEADDR, so connections lingering in
// TIME_WAIT do not count) and closes at once.
bool CanBindLoopback(uint16_t port);

// used: port -> identifier of the instance holding it. requested: 0 for
// "choose one" (then first_port up to 65535 are tried).
api::ApiResult<uint16_t> ChooseEndpointPort(const std::map<uint16_t, std::string>& used,
                                            uint16_t first_port, int requested,
                                            const PortProbe& can_bind);

}  // namespace tandem::rds
