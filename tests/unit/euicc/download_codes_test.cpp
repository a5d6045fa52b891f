/// One test per result code of the ES10b download functions (SGP.22 §5.7.13 AuthenticateServer, §5.7.5
/// PrepareDownload, §5.7.14 CancelSession, §5.7.6 LoadBoundProfilePackage errorReason), named after the code.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";

class download_codes_test : public ::testing::Test {
protected:
    void SetUp() override { open_card({}); }

    void open_card(const std::function<void(provisioning&)>& adjust)
    {
        t.reset();
        card.reset();
        std::filesystem::remove(dir.file("card.json"));
        card = make_card(dir.file("card.json"), adjust);
        ASSERT_TRUE(card);
        t = card->make_transport();
        ch = open_isdr(*t);
    }

    bytes challenge() { return euicc::test::challenge(*t, ch); }

    int authenticate(test_smdp& dp) { return error_code(es10(*t, ch, dp.authenticate_server_request(challenge()))); }

    /// Authenticates with the main test SM-DP+, then sends the given BF21.
    int prepare(test_smdp& dp, const std::function<bytes(test_smdp&)>& request)
    {
        EXPECT_TRUE(dp.accept_authenticate_server(es10(*t, ch, dp.authenticate_server_request(challenge()))));
        return error_code(es10(*t, ch, request(dp)));
    }

    /// A full download whose BPP is built with `o`; the PIR outcome.
    pir_outcome install(const rsp::profile_description& d, const bpp_options& o)
    {
        test_smdp dp(main_pki());
        EXPECT_TRUE(authenticate_and_prepare(*t, ch, dp));
        const auto bpp = dp.build_bpp(d, hex(eid_text), o);
        auto pir = decode_pir(load_series(*t, ch, bpp.series));
        EXPECT_TRUE(pir);
        return pir.value_or(pir_outcome{});
    }

    /// Expects the session to be gone: the next BPP piece is refused and PrepareDownload finds no session.
    void expect_session_wiped()
    {
        unsigned sw = 0;
        (void)es10(*t, ch, hex("A30A"), sw);
        EXPECT_EQ(sw, 0x6985u) << "no session after a failure";
    }

    temp_dir dir;
    std::unique_ptr<virtual_euicc> card;
    std::unique_ptr<rsp::card_transport> t;
    int ch = -1;
};

} // namespace

// ---- AuthenticateServer (SGP.22 §5.7.13) ----

TEST_F(download_codes_test, AuthenticateServer_invalidCertificate_1_for_DPauth_not_signed_by_the_named_CI)
{
    test_smdp dp(other_pki());
    dp.ci_pkid = main_pki().ci.subject_key_id(); // claims our CI, but CI "B" signed the certificate
    EXPECT_EQ(authenticate(dp), 1);
}

TEST_F(download_codes_test, AuthenticateServer_invalidSignature_2_for_tampered_serverSigned1)
{
    test_smdp dp(main_pki());
    const bytes r = es10(*t, ch, dp.authenticate_server_request(challenge(), [](bytes& s) { s.back() ^= 0x01; }));
    EXPECT_EQ(error_code(r), 2);
}

TEST_F(download_codes_test, AuthenticateServer_noSessionContext_4_without_or_after_a_used_challenge)
{
    test_smdp dp(main_pki());
    EXPECT_EQ(error_code(es10(*t, ch, dp.authenticate_server_request(crypto::random_bytes(16)))), 4);
    // A challenge serves one AuthenticateServer only: a replay of a good request finds no context.
    const bytes good = dp.authenticate_server_request(challenge());
    EXPECT_EQ(error_code(es10(*t, ch, good)), -1);
    EXPECT_EQ(error_code(es10(*t, ch, good)), 4);
}

TEST_F(download_codes_test, AuthenticateServer_invalidOid_5_for_a_DPpb_certificate_in_place_of_DPauth)
{
    test_pki wrong_role = load_test_pki(main_pki().dir);
    wrong_role.dpauth = std::move(load_test_pki(main_pki().dir).dppb); // signed by the CI, but policy dp-pb
    test_smdp dp(wrong_role);
    EXPECT_EQ(authenticate(dp), 5);
}

TEST_F(download_codes_test, AuthenticateServer_euiccChallengeMismatch_6)
{
    (void)challenge();
    test_smdp dp(main_pki());
    EXPECT_EQ(error_code(es10(*t, ch, dp.authenticate_server_request(crypto::random_bytes(16)))), 6);
}

TEST_F(download_codes_test, AuthenticateServer_ciPKUnknown_7)
{
    test_smdp dp(other_pki());
    EXPECT_EQ(authenticate(dp), 7);
}

TEST_F(download_codes_test, AuthenticateServer_undefinedError_127_for_missing_ctxParams1_or_bad_serverAddress)
{
    test_smdp dp(main_pki());
    bytes req = dp.authenticate_server_request(challenge());
    auto top = der::parse_one(req);
    auto items = *der::reader(top->value).all();
    bytes without_ctx;
    for (std::size_t i = 0; i + 1 < items.size(); ++i)
        append(without_ctx, items[i].raw);
    EXPECT_EQ(error_code(es10(*t, ch, der::encode(0xBF38, without_ctx))), 127);

    // serverAddress ends up in the PIR's notificationAddress: it must be a host name.
    test_smdp bad(main_pki(), "not a host\xff");
    EXPECT_EQ(authenticate(bad), 127);
}

// ---- PrepareDownload (SGP.22 §5.7.5) ----

TEST_F(download_codes_test, PrepareDownload_invalidCertificate_1_for_a_DPauth_certificate_in_place_of_DPpb)
{
    test_pki wrong_role = load_test_pki(main_pki().dir);
    wrong_role.dppb = std::move(load_test_pki(main_pki().dir).dpauth);
    test_smdp dp(wrong_role);
    EXPECT_EQ(prepare(dp, [](test_smdp& d) { return d.prepare_download_request(); }), 1);
}

TEST_F(download_codes_test, PrepareDownload_invalidSignature_2_for_smdpSignature2_by_another_key)
{
    test_pki wrong_key = load_test_pki(main_pki().dir);
    wrong_key.dppb.key = std::move(load_test_pki(main_pki().dir).dpauth.key); // CERT.DPpb, signed with SK.DPauth
    test_smdp dp(wrong_key);
    EXPECT_EQ(prepare(dp, [](test_smdp& d) { return d.prepare_download_request(); }), 2);
}

// Issue 11 changed the second half: a second PrepareDownload before any BPP loading is the LPA's retry after a lost
// getBoundProfilePackage answer (SGP.22 §3.1.3) and is answered with the same otPK.EUICC.ECKA; once loading began
// the one-time key is spent and PrepareDownload finds no session to prepare.
TEST_F(download_codes_test, PrepareDownload_noSessionContext_4_without_AuthenticateServer_or_twice)
{
    test_smdp dp(main_pki());
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 4);
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const bytes first_otpk = dp.euicc_otpk;
    ASSERT_TRUE(dp.accept_prepare_download(es10(*t, ch, dp.prepare_download_request()))) << "a retry is answered";
    EXPECT_EQ(dp.euicc_otpk, first_otpk) << "the retry keeps otPK.EUICC.ECKA";
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
    (void)es10(*t, ch, bpp.series.front()); // BF23: the session keys are agreed, otSK.EUICC.ECKA is gone
    EXPECT_EQ(error_code(es10(*t, ch, dp.prepare_download_request())), 4) << "no retry once loading began";
}

TEST_F(download_codes_test, PrepareDownload_invalidTransactionId_5)
{
    test_smdp dp(main_pki());
    EXPECT_EQ(prepare(dp,
                      [](test_smdp& d) {
                          d.transaction_id = crypto::random_bytes(16);
                          return d.prepare_download_request();
                      }),
              5);
}

TEST_F(download_codes_test, PrepareDownload_undefinedError_127_for_ccRequired_without_hashCc)
{
    test_smdp dp(main_pki());
    EXPECT_EQ(prepare(dp, [](test_smdp& d) { return d.prepare_download_request(true); }), 127);
}

// ---- CancelSession (SGP.22 §5.7.14) ----

TEST_F(download_codes_test, CancelSession_invalidTransactionId_5_and_undefinedError_127)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const bytes foreign = der::encode(0xBF41, concat({der::encode(0x80, crypto::random_bytes(16)), hex("810105")}));
    EXPECT_EQ(es10(*t, ch, foreign), hex("BF4103810105"));
    const bytes no_reason = der::encode(0xBF41, der::encode(0x80, dp.transaction_id));
    EXPECT_EQ(es10(*t, ch, no_reason), hex("BF410381017F"));
}

// ---- LoadBoundProfilePackage errorReason (SGP.22 §5.7.6) ----

TEST_F(download_codes_test, LoadBoundProfilePackage_incorrectInputValues_1_for_BF23_without_its_fields)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto pir = decode_pir(es10(*t, ch, der::encode(0xBF36, der::encode(0xBF23, hex("820101")))));
    ASSERT_TRUE(pir);
    EXPECT_EQ(pir->bpp_command_id, 0u);
    EXPECT_EQ(pir->error_reason, 1u);
    expect_session_wiped();
}

TEST_F(download_codes_test, LoadBoundProfilePackage_invalidSignature_2_for_tampered_smdpSign)
{
    bpp_options o;
    o.tamper_bf23_signature = true;
    EXPECT_EQ(install(sample_profile(), o).error_reason, 2u);
    expect_session_wiped();
}

TEST_F(download_codes_test, LoadBoundProfilePackage_invalidTransactionId_3)
{
    bpp_options o;
    o.bf23_transaction_id = crypto::random_bytes(16);
    EXPECT_EQ(install(sample_profile(), o).error_reason, 3u);
}

TEST_F(download_codes_test, LoadBoundProfilePackage_unsupportedCrtValues_4)
{
    bpp_options o;
    o.crt_key_type = 0x80; // not AES
    EXPECT_EQ(install(sample_profile(), o).error_reason, 4u);
}

TEST_F(download_codes_test, LoadBoundProfilePackage_unsupportedRemoteOperationType_5)
{
    bpp_options o;
    o.remote_op_id = 0x02;
    EXPECT_EQ(install(sample_profile(), o).error_reason, 5u);
}

TEST_F(download_codes_test, LoadBoundProfilePackage_unsupportedProfileClass_6_for_test_profile_or_unknown_class)
{
    bpp_options unknown;
    unknown.profile_class = 3;
    EXPECT_EQ(install(sample_profile(), unknown).error_reason, 6u);

    bpp_options test_class;
    test_class.profile_class = 0;
    EXPECT_TRUE(install(sample_profile(), test_class).success) << "test profiles are supported by default";
    open_card([](provisioning& p) { p.limits.test_profiles_supported = false; });
    const auto pir = install(sample_profile(), test_class);
    EXPECT_EQ(pir.bpp_command_id, 2u) << "refused at StoreMetadata, before the UPP is sent";
    EXPECT_EQ(pir.error_reason, 6u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_scp03tStructureError_7_for_reordered_series)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
    EXPECT_TRUE(es10(*t, ch, bpp.series[0]).empty()); // BF36 + BF23
    // The A1 header (StoreMetadata) before the A0 ConfigureISDP.
    const auto pir = decode_pir(es10(*t, ch, bpp.series[2]));
    ASSERT_TRUE(pir);
    EXPECT_EQ(pir->error_reason, 7u);
    expect_session_wiped();
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_scp03tSecurityError_8_for_a_replayed_segment)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    // Enough notification addresses that StoreMetadata needs several 88 segments.
    der::writer cfg;
    for (int i = 0; i < 16; ++i)
        cfg.begin(0x30).add_named_bits(0x80, {1}).add(0x81, std::string(200, static_cast<char>('a' + i))).end();
    bpp_options o;
    o.notification_config = cfg.finish();
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text), o);
    // series: BF36+BF23, A0, A1 header, 88, 88, ...
    ASSERT_EQ(bpp.series[3][0], 0x88);
    ASSERT_EQ(bpp.series[5][0], 0x88) << "StoreMetadata needs three 88 segments";
    for (std::size_t i = 0; i <= 3; ++i)
        EXPECT_TRUE(es10(*t, ch, bpp.series[i]).empty()) << i;
    // The same 88 again: its MAC was computed on the previous chaining value.
    const auto pir = decode_pir(es10(*t, ch, bpp.series[3]));
    ASSERT_TRUE(pir);
    EXPECT_EQ(pir->bpp_command_id, 2u);
    EXPECT_EQ(pir->error_reason, 8u);
    expect_session_wiped();
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_scp03tSecurityError_8_for_a_tampered_86)
{
    bpp_options o;
    o.tamper_86 = true;
    EXPECT_EQ(install(sample_profile(), o).error_reason, 8u);
    expect_session_wiped();
}

TEST_F(download_codes_test, LoadBoundProfilePackage_iccidAlreadyExists_9)
{
    ASSERT_TRUE(install(sample_profile(), {}).success);
    EXPECT_EQ(install(sample_profile(), {}).error_reason, 9u);
}

TEST_F(download_codes_test, LoadBoundProfilePackage_insufficientMemory_10_for_profile_count_or_memory)
{
    open_card([](provisioning& p) { p.limits.max_profiles = 1; });
    ASSERT_TRUE(install(sample_profile("8949449999999990148"), {}).success);
    const auto full = install(sample_profile("8949449999999990155"), {});
    EXPECT_EQ(full.bpp_command_id, 2u);
    EXPECT_EQ(full.error_reason, 10u);

    open_card([](provisioning& p) { p.limits.memory_bytes = 1024; }); // less than one UPP plus overhead
    const auto small = install(sample_profile("8949449999999990148"), {});
    EXPECT_EQ(small.bpp_command_id, 5u) << "loadProfileElements";
    EXPECT_EQ(small.error_reason, 10u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_interruption_11_for_a_new_BF36_mid_package)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
    EXPECT_TRUE(es10(*t, ch, bpp.series[0]).empty());
    EXPECT_TRUE(es10(*t, ch, bpp.series[1]).empty());
    const auto pir = decode_pir(es10(*t, ch, bpp.series[0]));
    ASSERT_TRUE(pir);
    EXPECT_EQ(pir->error_reason, 11u);
    expect_session_wiped();
}

TEST_F(download_codes_test, LoadBoundProfilePackage_PEProcessingError_12_for_an_unparsable_UPP)
{
    bpp_options o;
    o.upp = bytes(300, 0xA5);
    EXPECT_EQ(install(sample_profile(), o).error_reason, 12u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_dataMismatch_13_for_metadata_ICCID_not_in_the_UPP)
{
    bpp_options o;
    o.metadata_iccid = "8949449999999990999";
    EXPECT_EQ(install(sample_profile(), o).error_reason, 13u);
}

TEST_F(download_codes_test, LoadBoundProfilePackage_pprNotAllowed_15_when_the_RAT_does_not_cover_the_owner)
{
    bpp_options o;
    o.ppr = hex("0640"); // ppr1
    EXPECT_EQ(install(sample_profile(), o).error_reason, 15u) << "a PPR needs a profileOwner";
    o.profile_owner = der::encode(0x80, hex("00F110"));
    open_card([](provisioning& p) {
        rat_rule only_ppr2;
        only_ppr2.ppr1 = false;
        p.rat = {only_ppr2};
    });
    const auto pir = install(sample_profile(), o);
    EXPECT_EQ(pir.bpp_command_id, 2u);
    EXPECT_EQ(pir.error_reason, 15u);
    EXPECT_TRUE(card->profiles().empty());
}

TEST_F(download_codes_test, LoadBoundProfilePackage_unknown_127_when_the_store_cannot_be_written)
{
    test_smdp dp(main_pki());
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto bpp = dp.build_bpp(sample_profile(), hex(eid_text));
    std::filesystem::create_directory(dir.file("card.json.tmp")); // every write of the file fails
    const auto pir = decode_pir(load_series(*t, ch, bpp.series));
    std::filesystem::remove(dir.file("card.json.tmp"));
    ASSERT_TRUE(pir);
    EXPECT_EQ(pir->error_reason, 127u);
    EXPECT_TRUE(card->profiles().empty());
}
