/// ES10b download sequence against a test SM-DP+ with real crypto (SGP.22 §3.1.3, §5.7.13, §5.7.5, §5.7.6).

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";

class download_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        card = make_card(dir.file("card.json"));
        ASSERT_TRUE(card);
        t = card->make_transport();
        ch = open_isdr(*t);
    }

    bytes challenge() { return euicc::test::challenge(*t, ch); }

    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
    std::unique_ptr<rsp::card_transport> t;
    int ch = -1;
};

} // namespace

TEST_F(download_test, LoadBoundProfilePackage_lpac_series_installs_a_disabled_profile)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto d = sample_profile();
    const auto bpp = dp.build_bpp(d, hex(eid_text));
    // Every series except the last answers 9000 without data.
    for (std::size_t i = 0; i + 1 < bpp.series.size(); ++i) EXPECT_TRUE(es10(*t, ch, bpp.series[i]).empty()) << i;
    const bytes bf37 = es10(*t, ch, bpp.series.back());
    const auto pir = decode_pir(bf37);
    ASSERT_TRUE(pir);
    ASSERT_TRUE(pir->success) << "reason " << pir->error_reason;
    EXPECT_EQ(pir->isdp_aid, hex("A0000005591010FFFFFFFF8900001000"));

    // euiccSignPIR verifies with the eUICC certificate key over the BF27 TLV.
    ASSERT_TRUE(dp.euicc_cert);
    EXPECT_TRUE(crypto::ecdsa_verify(dp.euicc_cert->public_key(), pir->bf27, pir->signature));

    // BF27: transactionId, notificationMetadata {seq, install, SM-DP+ address, iccid}, smdpOid = DPpb RID.
    auto bf27 = der::parse_one(pir->bf27);
    const der::reader r(bf27->value);
    EXPECT_TRUE(std::ranges::equal(r.find(0x80)->value, dp.transaction_id));
    auto meta = der::reader(r.find(0xBF2F)->value);
    EXPECT_EQ(bytes(meta.find(0x81)->value.begin(), meta.find(0x81)->value.end()), hex("0780"));
    EXPECT_EQ(to_string(meta.find(0x0C)->value), dp.address);
    EXPECT_EQ(rsp::iccid_from_bcd(meta.find(0x5A)->value), d.iccid);
    EXPECT_EQ(*der::decode_oid(r.find(0x06)->value), main_pki().dppb.cert.san_registered_id());

    const auto ps = card->profiles();
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].iccid, d.iccid);
    EXPECT_FALSE(ps[0].enabled);
    EXPECT_EQ(ps[0].imsi, d.imsi);
    EXPECT_EQ(ps[0].ki, d.ki);
    EXPECT_EQ(ps[0].opc, d.opc);
    EXPECT_EQ(ps[0].service_provider_name, d.service_provider_name);
    EXPECT_EQ(ps[0].profile_name, d.profile_name);

    // The PIR is also a pending notification.
    const bytes list = es10(*t, ch, hex("BF2800"));
    auto a0 = der::reader(der::parse_one(list)->value).find(0xA0);
    auto first = der::reader(a0->value).find(0xBF2F);
    ASSERT_TRUE(first);
}

TEST_F(download_test, LoadBoundProfilePackage_whole_BF36_with_ReplaceSessionKeys_installs)
{
    bpp_options o;
    o.use_ppk = true;
    const bytes bf37 = download(*t, ch, eid_text, sample_profile("8949449999999990155"), o, true);
    const auto pir = decode_pir(bf37);
    ASSERT_TRUE(pir);
    EXPECT_TRUE(pir->success) << pir->error_reason;
    ASSERT_EQ(card->profiles().size(), 1u);
}

TEST_F(download_test, AuthenticateServer_wrong_challenge_gives_euiccChallengeMismatch)
{
    (void)challenge();
    test_smdp dp(main_pki());
    const bytes r = es10(*t, ch, dp.authenticate_server_request(crypto::random_bytes(16)));
    EXPECT_EQ(error_code(r), 6);
}

TEST_F(download_test, AuthenticateServer_DPauth_under_unknown_CI_gives_ciPKUnknown)
{
    test_smdp dp(other_pki());
    const bytes r = es10(*t, ch, dp.authenticate_server_request(challenge()));
    EXPECT_EQ(error_code(r), 7);
}

TEST_F(download_test, AuthenticateServer_tampered_serverSigned1_gives_invalidSignature)
{
    test_smdp dp(main_pki());
    const bytes c = challenge();
    // Change one byte of the serverAddress after signing (the last bytes are the serverChallenge).
    const bytes r = es10(*t, ch, dp.authenticate_server_request(c, [](bytes& s1) { s1[s1.size() - 20] ^= 0x20; }));
    EXPECT_EQ(error_code(r), 2);
}

TEST_F(download_test, PrepareDownload_without_session_gives_noSessionContext)
{
    test_smdp dp(main_pki());
    dp.transaction_id = hex("01020304");
    dp.euicc_signature1 = bytes(64, 0x01);
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 4);
}

TEST_F(download_test, PrepareDownload_foreign_transactionId_gives_invalidTransactionId)
{
    test_smdp dp(main_pki());
    const bytes auth = es10(*t, ch, dp.authenticate_server_request(challenge()));
    ASSERT_TRUE(dp.accept_authenticate_server(auth));
    dp.transaction_id = hex("DEADBEEF");
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 5);
}

TEST_F(download_test, PrepareDownload_ccRequired_without_hashCc_is_refused_and_with_hashCc_signed)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(dp.accept_authenticate_server(es10(*t, ch, dp.authenticate_server_request(challenge()))));
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request(true))), 127);

    test_smdp dp2(main_pki());
    ASSERT_TRUE(dp2.accept_authenticate_server(es10(*t, ch, dp2.authenticate_server_request(challenge()))));
    const bytes hash_cc = crypto::random_bytes(32);
    const bytes r = es10(*t, ch, dp2.prepare_download_request(true, hash_cc));
    ASSERT_TRUE(dp2.accept_prepare_download(r));
    auto signed2 = der::reader(der::reader(der::parse_one(r)->value).find(0xA0)->value).find(0x30);
    auto h = der::reader(signed2->value).find(0x04);
    ASSERT_TRUE(h);
    EXPECT_TRUE(std::ranges::equal(h->value, hash_cc));
}

TEST_F(download_test, LoadBoundProfilePackage_tampered_86_gives_error_PIR_and_no_profile)
{
    bpp_options o;
    o.tamper_86 = true;
    const bytes bf37 = download(*t, ch, eid_text, sample_profile(), o);
    const auto pir = decode_pir(bf37);
    ASSERT_TRUE(pir);
    EXPECT_FALSE(pir->success);
    EXPECT_EQ(pir->bpp_command_id, 5u);
    EXPECT_EQ(pir->error_reason, 8u); // scp03tSecurityError
    EXPECT_TRUE(card->profiles().empty());
    // The error result is kept as a notification like on real cards.
    const bytes all = es10(*t, ch, hex("BF2B00"));
    auto a0 = der::reader(der::parse_one(all)->value).find(0xA0);
    EXPECT_TRUE(der::reader(a0->value).find(0xBF37).has_value());
    // The session is gone: another BPP piece is refused and nothing changes.
    unsigned status = 0;
    (void)es10(*t, ch, hex("A30481020000"), status);
    EXPECT_EQ(status, 0x6985u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_test, LoadBoundProfilePackage_duplicate_ICCID_gives_iccidAlreadyExists)
{
    ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile()))->success);
    const auto pir = decode_pir(download(*t, ch, eid_text, sample_profile()));
    ASSERT_TRUE(pir);
    EXPECT_FALSE(pir->success);
    EXPECT_EQ(pir->error_reason, 9u);
    EXPECT_EQ(card->profiles().size(), 1u);
}

TEST_F(download_test, LoadBoundProfilePackage_metadata_ICCID_differs_from_UPP_gives_dataMismatch)
{
    bpp_options o;
    o.metadata_iccid = "8949449999999990163";
    const auto pir = decode_pir(download(*t, ch, eid_text, sample_profile(), o));
    ASSERT_TRUE(pir);
    EXPECT_FALSE(pir->success);
    EXPECT_EQ(pir->error_reason, 13u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_test, LoadBoundProfilePackage_without_session_is_refused_and_store_unchanged)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
    // A new AuthenticateServer attempt ends the session; the old BPP must not install.
    test_smdp other(main_pki());
    (void)es10(*t, ch, other.authenticate_server_request(crypto::random_bytes(16)));
    unsigned status = 0;
    (void)es10(*t, ch, bpp.series.front(), status);
    EXPECT_EQ(status, 0x6985u);
    EXPECT_TRUE(card->profiles().empty());
    EXPECT_TRUE(der::reader(der::parse_one(es10(*t, ch, hex("BF2800")))->value).find(0xA0)->value.empty());
}

TEST_F(download_test, CancelSession_signs_and_ends_the_session)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(dp.accept_authenticate_server(es10(*t, ch, dp.authenticate_server_request(challenge()))));
    der::writer w;
    w.begin(0xBF41).add(0x80, dp.transaction_id).add_uint(0x81, 0).end();
    const bytes cancel = w.finish();
    const bytes r = es10(*t, ch, cancel);
    auto a0 = der::reader(der::parse_one(r)->value).find(0xA0);
    ASSERT_TRUE(a0);
    auto signed_part = der::reader(a0->value).find(0x30);
    auto sig = der::reader(a0->value).find(0x5F37);
    ASSERT_TRUE(signed_part && sig);
    EXPECT_TRUE(crypto::ecdsa_verify(dp.euicc_cert->public_key(), signed_part->raw, sig->value));
    auto oid = der::reader(signed_part->value).find(0x81);
    EXPECT_EQ(*der::decode_oid(oid->value), main_pki().dpauth.cert.san_registered_id());
    // Session gone: PrepareDownload now has no context, and a second cancel is refused.
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 4);
    EXPECT_EQ(es10(*t, ch, cancel), hex("BF4103810105"));
}

TEST_F(download_test, LoadBoundProfilePackage_lpac_series_with_A2_ReplaceSessionKeys_installs)
{
    bpp_options o;
    o.use_ppk = true;
    const auto pir = decode_pir(download(*t, ch, eid_text, sample_profile("8949449999999990155"), o));
    ASSERT_TRUE(pir);
    EXPECT_TRUE(pir->success) << pir->error_reason;
}

TEST_F(download_test, LoadBoundProfilePackage_truncated_or_mutated_series_never_install_or_crash)
{
    // Each series cut short or with one byte flipped: the card must answer (any SW) and install nothing bad.
    for (std::size_t victim = 0;; ++victim) {
        test_smdp dp(main_pki());
        ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
        auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
        if (victim >= 2 * bpp.series.size()) break;
        bytes& s = bpp.series[victim / 2];
        if (victim % 2 == 0) s.resize(s.size() - 1);
        else s[s.size() / 2] ^= 0x5A;
        unsigned status = 0;
        for (const auto& s : bpp.series) {
            const bytes r = es10(*t, ch, s, status);
            if (!r.empty() || status != 0x9000) break;
        }
        EXPECT_TRUE(card->profiles().empty()) << "victim series " << victim;
    }
}
