#pragma once
/// \file
/// \brief The parties the LPA, integration and PC/SC tests set up again and again, all real: a test PKI made by
/// `pki::init`, virtual eUICC files provisioned from it, and our SM-DP+ (SQLite inventory) behind our HTTPS server
/// on loopback. Plain results, no gtest: each fixture decides how a failed setup fails its test.

#include "support/files.h"

#include "openrsp/core/result.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/client.h"
#include "openrsp/http/server.h"
#include "openrsp/rsp/activation_code.h"
#include "openrsp/smdpp/smdpp.h"
#include "openrsp/store/store.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace openrsp::test {

/// \brief A complete test PKI (`pki::init`, SM-DP+ host "localhost") in its own temporary directory, removed on
/// destruction. Throws if it cannot be made: nothing in a suite can run without it.
class test_pki {
public:
    explicit test_pki(const std::string& prefix = "openrsp-pki", bool both_curves = false);
    ~test_pki();
    test_pki(const test_pki&) = delete;
    test_pki& operator=(const test_pki&) = delete;

    /// The directory `pki::init` filled (what `--pki` and smdpp::load_credentials take).
    [[nodiscard]] std::filesystem::path dir() const { return m_root / "pki"; }
    /// A file of the PKI, e.g. file(pki::files::ci_cert).
    [[nodiscard]] std::string file(const char* name) const { return (dir() / name).string(); }
    /// A file of one curve's set in a both-curves PKI, e.g. file(pki::layout::nist, pki::files::ci_cert).
    [[nodiscard]] std::string file(const char* curve, const char* name) const
    {
        return (dir() / curve / name).string();
    }
    [[nodiscard]] std::string ci() const;

private:
    std::filesystem::path m_root;
};

/// One P-256 PKI for the whole test binary: key generation is the slow part, and no test changes it.
const test_pki& shared_pki();

/// \brief Provisioning of a virtual eUICC with the eUICC, EUM and CI certificates (and eUICC key) of a
/// `pki::init` directory: the EID is the one the PKI's eUICC certificate names.
euicc::provisioning provisioning_from(const std::filesystem::path& pki_dir);
/// Creates the virtual eUICC file `path` with provisioning_from(pki_dir).
result<void> create_euicc(const std::string& path, const std::filesystem::path& pki_dir);

/// \brief The operator's description of a test profile: Milenage test set Ki/OPc, IMSI 001010123456789,
/// "OpenRSP Mobile"; `apn` empty leaves it out.
rsp::profile_description test_profile(const std::string& iccid, const std::string& profile_name = "Test plan",
                                      const std::string& apn = "internet");

/// Runs before the service sees a request (watch or delay it); may run on several server threads at once.
using smdp_hook = std::function<void(const http::request&)>;

/// How loopback_smdp::start runs the SM-DP+ (outside the class: GCC 12 cannot use a nested type's default member
/// initializers in a default argument of the enclosing class).
struct smdp_options {
    /// The address the service believes it serves; empty: the "localhost:PORT" it listens on.
    std::string configured_address;
    /// Server worker threads; 0: one per core.
    unsigned threads = 0;
    smdp_hook before;
    /// Runs on each answer before it is sent (may replace it, e.g. to lose it as a failing proxy would).
    std::function<void(const http::request&, http::response&)> after;
    /// Adjusts the service's configuration (address and nothing else are set before).
    std::function<void(smdpp::config&)> configure;
};

/// \brief Our SM-DP+ on loopback HTTPS: an SQLite inventory that outlives restarts, and an smdpp::service behind an
/// http::server with the DPtls certificate of its credentials. Not movable: the server's handler points at it.
class loopback_smdp {
public:
    loopback_smdp() = default;
    ~loopback_smdp();
    loopback_smdp(const loopback_smdp&) = delete;
    loopback_smdp& operator=(const loopback_smdp&) = delete;

    /// Opens (creating it) the SQLite inventory at `path`. Before start().
    result<void> open_inventory(const std::string& path);
    /// Starts, or restarts on a new port, the server and a fresh service on the same inventory.
    result<void> start(smdpp::server_credentials creds, smdp_options o = {});
    /// Same with the credentials of a `pki::init` directory.
    result<void> start(const std::filesystem::path& pki_dir, smdp_options o = {});
    /// Stops the server: nothing listens on its port any more. The inventory stays readable.
    void stop();

    [[nodiscard]] store::inventory& inventory() const { return *m_inventory; }
    [[nodiscard]] smdpp::service& service() const { return *m_service; }
    /// "localhost:PORT" of the running server (what activation codes name).
    [[nodiscard]] const std::string& address() const { return m_address; }

    /// Adds `profile` in state Released for this SM-DP+'s address; the activation code to download it with.
    result<rsp::activation_code> add(const rsp::profile_description& profile,
                                     std::optional<std::string> confirmation_code = std::nullopt);
    /// The inventory state of a profile; nullopt when the inventory has no such ICCID.
    std::optional<store::profile_state> state_of(const std::string& iccid) const;

private:
    std::unique_ptr<store::inventory> m_inventory;
    std::unique_ptr<smdpp::service> m_service;
    std::unique_ptr<http::server> m_server;
    // The handler reads this, not m_service: during a restart it answers 503 instead of reaching a half-made service.
    std::atomic<smdpp::service*> m_live{nullptr};
    smdp_hook m_before;
    std::function<void(const http::request&, http::response&)> m_after;
    std::string m_address;
};

/// \brief The LPA's HTTPS client settings for a loopback SM-DP+: trust exactly the CI in `ca_file`; a loopback
/// connection that takes 2 s is not coming.
http::client_config loopback_client_config(const std::string& ca_file);

} // namespace openrsp::test
