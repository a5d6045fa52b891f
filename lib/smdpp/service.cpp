// The SM-DP+ service put together: its configuration, credentials and store, and what is wired to them. The
// procedures are in es9p/<function>.cpp and es2p/<function>.cpp, reached over HTTP through routes.cpp.
#include "routes.h"
#include "service_impl.h"

#include <chrono>

namespace openrsp::smdpp {

// /metrics counts every row of the route table, then "other".
service::impl::impl(config c, server_credentials cr, store::inventory& inv)
    : cfg(std::move(c)), creds(std::move(cr)), inventory(inv), telemetry(metrics_labels())
{
}

service::service(config cfg, server_credentials creds, store::inventory& inventory)
{
    if (!cfg.now) {
        cfg.now = [] {
            return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
    }
    m_impl = std::make_unique<impl>(std::move(cfg), std::move(creds), inventory);
}
service::~service() = default;

stats service::counters() const
{
    return stats{m_impl->downloads.load(), m_impl->installs.load(), m_impl->failures.load()};
}
const server_credentials& service::creds() const
{
    return m_impl->creds;
}

} // namespace openrsp::smdpp
