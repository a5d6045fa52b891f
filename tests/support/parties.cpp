#include "support/parties.h"

#include "openrsp/pki/pki.h"

#include <stdexcept>
#include <utility>

namespace openrsp::test {

namespace fs = std::filesystem;

test_pki::test_pki(const std::string& prefix, bool both_curves) : m_root(make_temp_dir(prefix))
{
    pki::init_options o;
    o.directory = dir().string();
    o.smdp_host = "localhost";
    o.both_curves = both_curves;
    if (auto r = pki::init(o); !r) {
        fs::remove_all(m_root);
        throw std::runtime_error("pki init: " + r.error().message);
    }
}

test_pki::~test_pki()
{
    std::error_code ignored; // a leftover temp directory must not turn into a crash at exit
    fs::remove_all(m_root, ignored);
}

std::string test_pki::ci() const
{
    return file(pki::files::ci_cert);
}

const test_pki& shared_pki()
{
    static const test_pki p;
    return p;
}

euicc::provisioning provisioning_from(const fs::path& pki_dir)
{
    euicc::provisioning p;
    p.euicc_cert_pem = slurp(pki_dir / pki::files::euicc_cert);
    p.euicc_key_pem = slurp(pki_dir / pki::files::euicc_key);
    p.eum_cert_pem = slurp(pki_dir / pki::files::eum_cert);
    p.ci_cert_pems.push_back(slurp(pki_dir / pki::files::ci_cert));
    return p;
}

result<void> create_euicc(const std::string& path, const fs::path& pki_dir)
{
    return euicc::virtual_euicc::create(path, provisioning_from(pki_dir));
}

rsp::profile_description test_profile(const std::string& iccid, const std::string& profile_name, const std::string& apn)
{
    rsp::profile_description d;
    d.iccid = iccid;
    d.imsi = "001010123456789";
    // The Milenage test set 1 of TS 35.208, so a network simulator can attach with the installed profile.
    d.ki = hex("000102030405060708090a0b0c0d0e0f");
    d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
    d.service_provider_name = "OpenRSP Mobile";
    d.profile_name = profile_name;
    if (!apn.empty()) d.apn = apn;
    return d;
}

loopback_smdp::~loopback_smdp()
{
    stop();
    m_live = nullptr;
    m_service.reset();
    m_inventory.reset();
}

result<void> loopback_smdp::open_inventory(const std::string& path)
{
    auto inv = store::open_sqlite(path);
    if (!inv) return inv.take_error();
    m_inventory = std::move(*inv);
    return ok();
}

result<void> loopback_smdp::start(smdpp::server_credentials creds, smdp_options o)
{
    if (!m_inventory) return fail("loopback_smdp: open_inventory() first");
    stop();
    m_live = nullptr;
    m_before = std::move(o.before);
    m_after = std::move(o.after);
    http::server_config sc;
    sc.cert_chain_pem = creds.dptls.cert.pem();
    sc.private_key_pem = creds.dptls.key.private_pem();
    sc.threads = o.threads;
    auto server = http::server::start(sc, [this](const http::request& r) {
        if (m_before) m_before(r);
        smdpp::service* s = m_live.load();
        http::response answer = s ? s->handle_http(r) : http::response{503, {}, ""};
        if (m_after) m_after(r, answer);
        return answer;
    });
    if (!server) return server.take_error();
    m_server = std::move(*server);
    m_address = "localhost:" + std::to_string(m_server->port());
    smdpp::config cfg;
    cfg.address = o.configured_address.empty() ? m_address : o.configured_address;
    if (o.configure) o.configure(cfg);
    m_service = std::make_unique<smdpp::service>(cfg, std::move(creds), *m_inventory);
    m_live = m_service.get();
    return ok();
}

result<void> loopback_smdp::start(const fs::path& pki_dir, smdp_options o)
{
    auto creds = smdpp::load_credentials(pki_dir.string());
    if (!creds) return creds.take_error();
    return start(std::move(*creds), std::move(o));
}

void loopback_smdp::stop()
{
    if (m_server) m_server->stop();
    m_server.reset();
}

result<rsp::activation_code> loopback_smdp::add(const rsp::profile_description& profile,
                                                std::optional<std::string> confirmation_code)
{
    smdpp::add_profile_options o;
    o.smdp_address = m_address;
    o.confirmation_code = std::move(confirmation_code);
    return smdpp::add_profile(*m_inventory, profile, o);
}

std::optional<store::profile_state> loopback_smdp::state_of(const std::string& iccid) const
{
    auto p = m_inventory->find_by_iccid(iccid);
    if (!p || !*p) return std::nullopt;
    return (*p)->state;
}

http::client_config loopback_client_config(const std::string& ca_file)
{
    http::client_config hc;
    hc.ca_pem = slurp(ca_file);
    hc.connect_timeout = std::chrono::milliseconds(2000);
    return hc;
}

} // namespace openrsp::test
