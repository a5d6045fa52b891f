/// \file
/// \brief Download paths beyond the happy one (issue 11), on SQLite and PostgreSQL: the interrupted-download retry
/// of getBoundProfilePackage (SGP.22 §3.1.3) and the eligibility check at authenticateClient (§3.1.3, 8.2.5 / 4.3).

#include "smdpp_fixture.h"

#include "openrsp/rsp/download.h"
#include "openrsp/smdpp/import.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";

/// One session driven up to authenticateClient, kept open so the test can play the LPA step by step.
struct open_session {
    opened_euicc card;
    std::string tid;
    rsp::es9p::authenticate_client_response ac;
};

class download_paths : public smdpp_test {
protected:
    void SetUp() override
    {
        smdpp_test::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        // Sealing on, as in production: the SM-DP+'s one-time key must not sit in the session row in clear.
        m_service.reset();
        m_inventory.reset();
        auto inv = store::open_inventory(m_location, store::key_ring{{*store::make_kek(crypto::random_bytes(32))}});
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
        start_service(smdpp::config{});
    }

    result<open_session> authenticated(const std::string& euicc_path, const std::string& matching_id)
    {
        open_session s;
        auto card = open_euicc(euicc_path);
        if (!card) return card.take_error();
        s.card = std::move(*card);
        auto& es10 = *s.card.es10;
        auto ia = begin_authentication(es10);
        if (!ia) return ia.take_error();
        s.tid = ia->transaction_id;
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, matching_id);
        if (!as) return as.take_error();
        auto ac = m_service->authenticate_client({s.tid, *as});
        if (!ac) return ac.take_error();
        s.ac = std::move(*ac);
        return s;
    }

    static bytes prepare(open_session& s)
    {
        auto pd =
            s.card.es10->prepare_download(s.ac.smdp_signed2, s.ac.smdp_signature2, s.ac.smdp_certificate, std::nullopt);
        EXPECT_TRUE(pd) << (pd ? "" : pd.error().message);
        return pd ? *pd : bytes{};
    }

    static bytes euicc_otpk_of(const bytes& prepare_download_response)
    {
        auto r = rsp::prepare_download_response::decode(prepare_download_response);
        EXPECT_TRUE(r && r->ok());
        return r && r->ok() ? r->ok()->euicc_signed2.euicc_otpk : bytes{};
    }

    static rsp::initialise_secure_channel_request isc_of(const bytes& bpp)
    {
        auto b = rsp::bound_profile_package::decode(bpp);
        EXPECT_TRUE(b) << (b ? "" : b.error().message);
        return b ? b->initialise_secure_channel_request : rsp::initialise_secure_channel_request{};
    }

    /// A PrepareDownloadResponse for the session with a one-time key the card never made, signed with the eUICC's
    /// key as the card would sign it (euiccSignature2 over euiccSigned2 || the smdpSignature2 TLV, SGP.22 §5.7.5).
    bytes prepare_with_fresh_otpk(const open_session& s)
    {
        auto otk = crypto::ec_key::generate(crypto::curve::nist_p256);
        auto key = crypto::ec_key::from_pem(slurp(shared_pki::get().path(pki::files::euicc_key)));
        EXPECT_TRUE(otk && key);
        rsp::prepare_download_response_ok ok;
        ok.euicc_signed2.transaction_id = *from_hex(s.tid);
        ok.euicc_signed2.euicc_otpk = otk->public_point();
        ok.euicc_signed2.raw = ok.euicc_signed2.encode();
        auto sig = crypto::ecdsa_sign(*key, concat({ok.euicc_signed2.raw, s.ac.smdp_signature2}));
        EXPECT_TRUE(sig);
        ok.euicc_signature2 = sig ? *sig : bytes{};
        return rsp::prepare_download_response{std::move(ok)}.encode();
    }

    /// A Released profile whose metadata sets `ppr` (PprIds contents) with a Profile Owner, and/or profile class
    /// `profile_class`: what an operator's package with policy rules carries (SGP.22 §5.5.3 StoreMetadataRequest).
    std::string add_released_with(const std::string& iccid, bytes ppr, std::optional<unsigned> profile_class)
    {
        smdpp::inventory_profile_options o;
        o.smdp_address = smdp_address;
        o.operator_id = "acme";
        auto p = smdpp::make_inventory_record(description(iccid), o);
        EXPECT_TRUE(p) << (p ? "" : p.error().message);
        auto md = rsp::store_metadata_request::decode(p->metadata);
        EXPECT_TRUE(md);
        md->profile_policy_rules = std::move(ppr);
        md->profile_owner = rsp::operator_id{*from_hex("00F110"), std::nullopt, std::nullopt};
        md->profile_class = profile_class;
        p->metadata = md->encode();
        p->state = profile_state::released;
        p->matching_id = "ELIGIBILITY-" + iccid.substr(iccid.size() - 4);
        auto added = m_inventory->add_profile(*p);
        EXPECT_TRUE(added) << (added ? "" : added.error().message);
        return p->matching_id;
    }

    /// A virtual eUICC whose provisioning `adjust` changes (RAT, limits).
    std::string make_euicc_with(const std::string& name, const std::function<void(euicc::provisioning&)>& adjust)
    {
        const std::string path = (m_dir / (name + ".json")).string();
        euicc::provisioning p;
        const auto& pki = shared_pki::get();
        p.euicc_cert_pem = slurp(pki.path(pki::files::euicc_cert));
        p.euicc_key_pem = slurp(pki.path(pki::files::euicc_key));
        p.eum_cert_pem = slurp(pki.path(pki::files::eum_cert));
        p.ci_cert_pems.push_back(slurp(pki.path(pki::files::ci_cert)));
        adjust(p);
        auto r = euicc::virtual_euicc::create(path, p);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return path;
    }
};

const bytes ppr1 = {0x06, 0x40}; // PprIds {ppr1}

} // namespace

// SGP.22 §3.1.3: the getBoundProfilePackage answer is lost; the LPA asks again after a new PrepareDownload, the
// eUICC keeps its otPK.EUICC.ECKA, and the SM-DP+ rebuilds the package under the same keys, which then installs.
TEST_P(download_paths, a_retry_with_the_same_euicc_otpk_reuses_the_smdp_one_time_key_and_installs)
{
    const auto mid = add_released(iccid1);
    auto s = authenticated(make_euicc(), mid);
    ASSERT_TRUE(s) << s.error().message;
    const bytes pd1 = prepare(*s);
    auto lost = m_service->get_bound_profile_package({s->tid, pd1});
    ASSERT_TRUE(lost) << lost.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::downloaded);

    // The one-time private key is in the session row, sealed: no PEM text in the stored bytes.
    auto row = m_inventory->get_session(s->tid, m_now.load());
    ASSERT_TRUE(row && *row);
    const std::string stored((*row)->data.begin(), (*row)->data.end());
    EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos) << "otSK.DP.ECKA stored in clear";

    const bytes pd2 = prepare(*s);
    EXPECT_EQ(euicc_otpk_of(pd2), euicc_otpk_of(pd1)) << "the eUICC keeps its one-time key on a retry";
    auto again = m_service->get_bound_profile_package({s->tid, pd2});
    ASSERT_TRUE(again) << again.error().message;
    const auto isc1 = isc_of(lost->bound_profile_package);
    const auto isc2 = isc_of(again->bound_profile_package);
    EXPECT_EQ(isc2.smdp_otpk, isc1.smdp_otpk) << "same otPK.DP.ECKA";
    EXPECT_EQ(isc2.control_ref_template.host_id, isc1.control_ref_template.host_id) << "same session keys";

    auto pir = s->card.es10->load_bound_profile_package(again->bound_profile_package);
    ASSERT_TRUE(pir) << pir.error().message;
    ASSERT_TRUE(m_service->handle_notification({*pir}));
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::installed);
    EXPECT_EQ(p.download_attempts, 1) << "a retry of the same download is not another download";
    auto gone = m_inventory->get_session(s->tid, m_now.load());
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone) << "the session, and the sealed one-time key with it, is erased once installed";
}

TEST_P(download_paths, a_retry_with_a_new_euicc_otpk_gets_a_new_smdp_key_pair)
{
    const auto mid = add_released(iccid1);
    auto s = authenticated(make_euicc(), mid);
    ASSERT_TRUE(s) << s.error().message;
    const bytes pd1 = prepare(*s);
    auto first = m_service->get_bound_profile_package({s->tid, pd1});
    ASSERT_TRUE(first) << first.error().message;

    auto fresh = m_service->get_bound_profile_package({s->tid, prepare_with_fresh_otpk(*s)});
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_NE(isc_of(fresh->bound_profile_package).smdp_otpk, isc_of(first->bound_profile_package).smdp_otpk);
    EXPECT_EQ(profile(iccid1).state, profile_state::downloaded);
    EXPECT_EQ(profile(iccid1).download_attempts, 1);
}

TEST_P(download_paths, a_retry_is_refused_once_the_installation_result_ended_the_session)
{
    const auto mid = add_released(iccid1);
    auto s = authenticated(make_euicc(), mid);
    ASSERT_TRUE(s) << s.error().message;
    const bytes pd = prepare(*s);
    auto bpp = m_service->get_bound_profile_package({s->tid, pd});
    ASSERT_TRUE(bpp) << bpp.error().message;
    auto pir = s->card.es10->load_bound_profile_package(bpp->bound_profile_package);
    ASSERT_TRUE(pir && m_service->handle_notification({*pir}));
    auto late = m_service->get_bound_profile_package({s->tid, pd});
    ASSERT_FALSE(late);
    expect_codes(late.error(), "8.10.1", "3.9");
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
}

// SGP.22 §3.1.3 eligibility: EUICCInfo2 forbiddenProfilePolicyRules names PPR1 (our card derives it from a RAT that
// allows PPR1 for no one); the PPR1 profile is refused before anything is reserved and another eUICC gets it.
TEST_P(download_paths, a_ppr1_profile_on_an_euicc_forbidding_ppr1_is_refused_8_2_5_4_3_and_stays_released)
{
    const auto mid = add_released_with(iccid1, ppr1, std::nullopt);
    const auto strict = make_euicc_with("strict", [](euicc::provisioning& p) {
        euicc::rat_rule only_ppr2;
        only_ppr2.ppr1 = false;
        p.rat = {only_ppr2};
    });
    auto refused = download(strict, mid);
    ASSERT_FALSE(refused);
    expect_codes(refused.error(), "8.2.5", "4.3");
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::released);
    EXPECT_TRUE(p.session_tid.empty()) << "nothing reserved";
    EXPECT_TRUE(p.eid.empty());
    EXPECT_EQ(p.download_attempts, 0);

    ASSERT_TRUE(download(make_euicc("lenient"), mid)) << "the order is still there for an eUICC that takes PPR1";
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
}

TEST_P(download_paths, a_test_profile_on_an_euicc_without_test_profile_support_is_refused_8_2_5_4_3)
{
    const auto mid = add_released_with(iccid1, {}, 0U);
    const auto no_test =
        make_euicc_with("no-test", [](euicc::provisioning& p) { p.limits.test_profiles_supported = false; });
    auto refused = download(no_test, mid);
    ASSERT_FALSE(refused);
    expect_codes(refused.error(), "8.2.5", "4.3");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    EXPECT_TRUE(profile(iccid1).session_tid.empty());
}

INSTANTIATE_TEST_SUITE_P(backends, download_paths, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
