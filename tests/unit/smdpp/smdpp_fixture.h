#pragma once
/// \file
/// \brief Test support for the SM-DP+ suites: one PKI per test binary, a fresh inventory per test on SQLite or
/// PostgreSQL (as the store suite does), an smdpp::service on it, and a virtual eUICC that the tests drive step
/// by step (ES10 through es10_client, ES9+ by calling the service directly), so each rule can be hit exactly.

#include "support/store_backends.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/pki/pki.h"
#include "openrsp/smdpp/es2p.h"
#include "openrsp/smdpp/smdpp.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace openrsp::smdpp::testing {

namespace fs = std::filesystem;
using store::testing::backend;

inline std::string slurp(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline fs::path make_temp_dir()
{
    std::string tmpl = (fs::temp_directory_path() / "openrsp-smdpp-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    return tmpl;
}

/// A PKI shared by all tests of the binary (key generation is the slow part).
struct shared_pki {
    fs::path dir;
    shared_pki()
    {
        dir = make_temp_dir();
        pki::init_options o;
        o.directory = (dir / "pki").string();
        o.smdp_host = "localhost";
        if (auto r = pki::init(o); !r) throw std::runtime_error(r.error().message);
    }
    ~shared_pki() { fs::remove_all(dir); }
    [[nodiscard]] std::string path(const char* file) const { return (dir / "pki" / file).string(); }
    static shared_pki& get()
    {
        static shared_pki p;
        return p;
    }
};

inline constexpr const char* smdp_address = "smdp.test.example";

inline rsp::profile_description description(const std::string& iccid)
{
    rsp::profile_description d;
    d.iccid = iccid;
    d.imsi = "001010123456789";
    d.ki = *from_hex("000102030405060708090a0b0c0d0e0f");
    d.opc = *from_hex("cd63cb71954a9f4e48a5994e37a02baf");
    d.service_provider_name = "OpenRSP Mobile";
    d.profile_name = "Test plan";
    d.apn = "internet";
    return d;
}

/// \brief A virtual eUICC file opened as an LPA opens it: the card, its transport and an open ES10 client on it
/// (members in the order they must be torn down in reverse).
struct opened_euicc {
    std::unique_ptr<euicc::virtual_euicc> chip;
    std::unique_ptr<rsp::card_transport> transport;
    std::unique_ptr<lpa::es10_client> es10;
};

inline result<opened_euicc> open_euicc(const std::string& path)
{
    opened_euicc e;
    auto chip = euicc::virtual_euicc::open(path);
    if (!chip) return chip.take_error();
    e.chip = std::move(*chip);
    e.transport = e.chip->make_transport();
    e.es10 = std::make_unique<lpa::es10_client>(*e.transport);
    OPENRSP_TRY_VOID(e.es10->open());
    return e;
}

/// How an ES9+ download attempt should end after the Bound Profile Package arrived.
enum class finish { install, tamper_bpp, cancel_after_bpp };

/// \brief An inventory on one backend, a service on it with a movable clock, and eUICC files.
class smdpp_test : public store::testing::backend_test {
protected:
    void SetUp() override
    {
        backend_test::SetUp();
        if (!m_inventory) return;
        ASSERT_TRUE(m_inventory->set_setting("smdp_address", smdp_address));
        m_dir = make_temp_dir();
        start_service(config{});
    }

    void TearDown() override
    {
        m_service.reset();
        backend_test::TearDown();
        if (!m_dir.empty()) fs::remove_all(m_dir);
    }

    /// (Re)creates the service with `cfg` (address and clock are filled in).
    void start_service(config cfg)
    {
        auto creds = load_credentials((shared_pki::get().dir / "pki").string());
        ASSERT_TRUE(creds) << creds.error().message;
        cfg.address = smdp_address;
        cfg.now = [this] { return m_now.load(); };
        m_service = std::make_unique<service>(std::move(cfg), std::move(*creds), *m_inventory);
    }

    /// A new virtual eUICC file with the PKI's eUICC identity (every eUICC here has the same EID).
    std::string make_euicc(const std::string& name = "euicc")
    {
        const std::string path = (m_dir / (name + ".json")).string();
        euicc::provisioning p;
        const auto& pki = shared_pki::get();
        p.euicc_cert_pem = slurp(pki.path(pki::files::euicc_cert));
        p.euicc_key_pem = slurp(pki.path(pki::files::euicc_key));
        p.eum_cert_pem = slurp(pki.path(pki::files::eum_cert));
        p.ci_cert_pems.push_back(slurp(pki.path(pki::files::ci_cert)));
        auto r = euicc::virtual_euicc::create(path, p);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return path;
    }

    /// A Released profile with an activation code (shell intake), optionally owned and with a CC.
    std::string add_released(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        add_profile_options o;
        o.smdp_address = smdp_address;
        o.confirmation_code = std::move(cc);
        auto ac = add_profile(*m_inventory, description(iccid), o);
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? ac->matching_id : "";
    }

    /// An Available profile owned by `op` (ES2+ inventory).
    void add_available(const std::string& iccid, const std::string& op, const std::string& type = "")
    {
        inventory_profile_options o;
        o.smdp_address = smdp_address;
        o.operator_id = op;
        o.profile_type = type;
        auto r = add_inventory_profile(*m_inventory, description(iccid), o);
        ASSERT_TRUE(r) << r.error().message;
    }

    store::inventory_profile profile(const std::string& iccid)
    {
        auto p = m_inventory->find_by_iccid(iccid);
        EXPECT_TRUE(p && *p);
        return p && *p ? **p : store::inventory_profile{};
    }

    /// The eUICC's EUICCInfo1 and a fresh challenge, then initiateAuthentication on the service.
    result<rsp::es9p::initiate_authentication_response> begin_authentication(lpa::es10_client& es10)
    {
        auto info1 = es10.get_euicc_info1();
        if (!info1) return info1.take_error();
        auto challenge = es10.get_euicc_challenge();
        if (!challenge) return challenge.take_error();
        return m_service->initiate_authentication({smdp_address, *challenge, *info1});
    }

    /// One ES9+ download driven step by step: initiateAuthentication, AuthenticateServer, authenticateClient,
    /// PrepareDownload, getBoundProfilePackage, then `how`. The first refusal is returned.
    result<void> download(const std::string& euicc_path, const std::string& matching_id,
                          std::optional<std::string> cc = std::nullopt, finish how = finish::install)
    {
        auto opened = open_euicc(euicc_path);
        if (!opened) return opened.take_error();
        auto& es10 = *opened->es10;
        auto ia = begin_authentication(es10);
        if (!ia) return ia.take_error();
        m_last_tid = ia->transaction_id;
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, matching_id);
        if (!as) return as.take_error();
        auto tid = from_hex(ia->transaction_id);
        auto cancel = [&](rsp::cancel_session_reason reason) {
            auto resp = es10.cancel_session(*tid, reason);
            if (resp) (void)m_service->cancel_session({ia->transaction_id, *resp});
        };
        auto ac = m_service->authenticate_client({ia->transaction_id, *as});
        if (!ac) {
            cancel(rsp::cancel_session_reason::undefined_reason);
            return ac.take_error();
        }
        std::optional<bytes> hash_cc;
        if (cc) hash_cc = crypto::sha256(concat({crypto::sha256(as_bytes(*cc)), *tid}));
        auto pd = es10.prepare_download(ac->smdp_signed2, ac->smdp_signature2, ac->smdp_certificate, hash_cc);
        if (!pd) return pd.take_error();
        auto bpp = m_service->get_bound_profile_package({ia->transaction_id, *pd});
        if (!bpp) {
            cancel(rsp::cancel_session_reason::undefined_reason);
            return bpp.take_error();
        }
        if (how == finish::cancel_after_bpp) {
            cancel(rsp::cancel_session_reason::load_bpp_execution_error);
            return ok();
        }
        bytes package = bpp->bound_profile_package;
        if (how == finish::tamper_bpp) package.back() ^= 0x01; // breaks the MAC of the last segment
        auto pir = es10.load_bound_profile_package(package);
        if (!pir) return pir.take_error();
        return m_service->handle_notification({*pir});
    }

    std::unique_ptr<service> m_service;
    std::atomic<std::int64_t> m_now{1'700'000'000};
    std::string m_last_tid;
    fs::path m_dir;
};

inline void expect_codes(const error& e, const char* subject, const char* reason)
{
    EXPECT_EQ(e.subject, subject) << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
}

} // namespace openrsp::smdpp::testing
