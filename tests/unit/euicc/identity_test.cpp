/// Loadable identities: the public SGP.26 test eUICC (NIST P-256) as the card's own chain, so the virtual eUICC
/// works with SM-DP+ servers that trust the GSMA test CI (issue 3; SGP.26 test certificates, facts §7.3).

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

const std::string sgp26 = std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/sgp26/";
constexpr const char* sgp26_eid = "89049032123451234512345678901235";

identity_files sgp26_identity()
{
    return identity_files{sgp26 + "CERT_EUICC_ECDSA_NIST.der",
                          sgp26 + "SK_EUICC_ECDSA_NIST.pem",
                          sgp26 + "CERT_EUM_ECDSA_NIST.der",
                          {sgp26 + "CERT_CI_ECDSA_NIST.der"}};
}

/// The SGP.26 test SM-DP+ (DPauth/DPpb with their private keys), for a download against the SGP.26 card.
test_pki sgp26_smdp()
{
    auto ci = crypto::certificate::load_file(sgp26 + "CERT_CI_ECDSA_NIST.der");
    auto dpauth_cert = crypto::certificate::load_file(sgp26 + "CERT_S_SM_DPauth_ECDSA_NIST.der");
    auto dppb_cert = crypto::certificate::load_file(sgp26 + "CERT_S_SM_DPpb_ECDSA_NIST.der");
    std::ifstream auth_in(sgp26 + "SK_S_SM_DPauth_ECDSA_NIST.pem"), pb_in(sgp26 + "SK_S_SM_DPpb_ECDSA_NIST.pem");
    std::stringstream auth_key, pb_key;
    auth_key << auth_in.rdbuf();
    pb_key << pb_in.rdbuf();
    auto ak = crypto::ec_key::from_pem(auth_key.str());
    auto pk = crypto::ec_key::from_pem(pb_key.str());
    EXPECT_TRUE(ci && dpauth_cert && dppb_cert && ak && pk);
    return test_pki{sgp26,
                    std::move(*ci),
                    pki::credential{std::move(*dpauth_cert), std::move(*ak)},
                    pki::credential{std::move(*dppb_cert), std::move(*pk)},
                    "",
                    "",
                    "",
                    ""};
}

} // namespace

TEST(euicc_identity, when_sgp26_test_euicc_is_loaded_then_it_opens_with_its_eid_and_signs)
{
    auto prov = load_identity(sgp26_identity());
    ASSERT_TRUE(prov) << prov.error().message;
    temp_dir dir;
    ASSERT_TRUE(virtual_euicc::create(dir.file("card.json"), *prov));
    auto card = virtual_euicc::open(dir.file("card.json"));
    ASSERT_TRUE(card) << card.error().message;
    EXPECT_EQ((*card)->eid(), sgp26_eid);
    auto t = (*card)->make_transport();
    const int ch = open_isdr(*t);
    EXPECT_EQ(es10(*t, ch, hex("BF3E035C015A")), der::encode(0xBF3E, der::encode(0x5A, hex(sgp26_eid))));
    // EUICCInfo1 names the GSMA test CI (SGP.26 NIST SKI) for verification and signing.
    const bytes info1 = es10(*t, ch, hex("BF2000"));
    const bytes ski = hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
    const der::reader r(der::parse_one(info1)->value);
    EXPECT_TRUE(std::ranges::equal(der::reader(r.find(0xA9)->value).find(0x04)->value, ski));
    EXPECT_TRUE(std::ranges::equal(der::reader(r.find(0xAA)->value).find(0x04)->value, ski));

    // A whole download from the SGP.26 test SM-DP+: AuthenticateServer, PrepareDownload and the PIR are signed
    // with SK.EUICC of the SGP.26 card and verify with its certificate.
    const test_pki dp_pki = sgp26_smdp();
    test_smdp dp(dp_pki);
    ASSERT_TRUE(authenticate_and_prepare(*t, ch, dp));
    const auto bpp = dp.build_bpp(sample_profile(), hex(sgp26_eid));
    const auto pir = decode_pir(load_series(*t, ch, bpp.series));
    ASSERT_TRUE(pir);
    EXPECT_TRUE(pir->success) << pir->error_reason;
    ASSERT_TRUE(dp.euicc_cert);
    EXPECT_TRUE(crypto::ecdsa_verify(dp.euicc_cert->public_key(), pir->bf27, pir->signature));
}

TEST(euicc_identity, when_sgp26_chain_is_checked_then_verify_rsp_chain_accepts_it)
{
    auto euicc = crypto::certificate::load_file(sgp26 + "CERT_EUICC_ECDSA_NIST.der");
    auto eum = crypto::certificate::load_file(sgp26 + "CERT_EUM_ECDSA_NIST.der");
    auto ci = crypto::certificate::load_file(sgp26 + "CERT_CI_ECDSA_NIST.der");
    ASSERT_TRUE(euicc && eum && ci);
    const auto chain = crypto::verify_rsp_chain(*euicc, &*eum, *ci, crypto::rsp_oid::euicc);
    EXPECT_TRUE(chain) << chain.message;
    // The chain the card presents is the one it was loaded with.
    auto prov = load_identity(sgp26_identity());
    ASSERT_TRUE(prov);
    EXPECT_EQ(crypto::certificate::from_pem(prov->euicc_cert_pem)->der(), euicc->der());
    EXPECT_EQ(crypto::certificate::from_pem(prov->eum_cert_pem)->der(), eum->der());
}

TEST(euicc_identity, when_a_file_is_missing_or_the_key_is_foreign_then_a_sentence_names_it)
{
    auto files = sgp26_identity();
    files.eum_cert = sgp26 + "nope.der";
    auto missing = load_identity(files);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("nope.der"), std::string::npos);

    files = sgp26_identity();
    files.euicc_key = sgp26 + "SK_EUM_ECDSA_NIST.pem"; // a valid key, but the EUM's
    auto prov = load_identity(files);
    ASSERT_TRUE(prov);
    temp_dir dir;
    auto created = virtual_euicc::create(dir.file("card.json"), *prov);
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message.find("does not belong"), std::string::npos);
}
