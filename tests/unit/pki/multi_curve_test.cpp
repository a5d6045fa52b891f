/// `pki init --curve both` (two CIs, one per curve), the layout readers find, single certificates with a chosen
/// validity, and CRLs (SGP.22 §4.6) that crypto::revocation_list reads back.

#include "openrsp/pki/pki.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace openrsp;
using namespace std::chrono_literals;

struct temp_dir {
    fs::path path;
    temp_dir()
    {
        std::string tmpl = (fs::temp_directory_path() / "openrsp-pki-mc-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
        path = tmpl;
    }
    ~temp_dir() { fs::remove_all(path); }
};

crypto::certificate load(const fs::path& p)
{
    auto c = crypto::certificate::load_file(p.string());
    EXPECT_TRUE(c) << p;
    return std::move(*c);
}

std::string slurp(const fs::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A CI (self-signed) with its key, made through the public issuing API.
struct made_ci {
    crypto::ec_key key;
    crypto::certificate cert;
};
made_ci make_ci(crypto::curve c)
{
    auto key = crypto::ec_key::generate(c);
    EXPECT_TRUE(key);
    pki::certificate_request r;
    r.kind = pki::role::ci;
    auto cert = pki::issue_certificate(r, *key, nullptr, *key);
    EXPECT_TRUE(cert) << (cert ? "" : cert.error().message);
    return {std::move(*key), std::move(*cert)};
}

} // namespace

TEST(pki_both_curves, init_writes_a_nist_and_a_brainpool_hierarchy_with_the_same_eid)
{
    temp_dir d;
    pki::init_options o;
    o.directory = (d.path / "pki").string();
    o.both_curves = true;
    ASSERT_TRUE(pki::init(o));

    const auto dirs = pki::set_directories(o.directory);
    ASSERT_EQ(dirs.size(), 2u);
    EXPECT_EQ(fs::path(dirs[0]).filename(), "nist");
    EXPECT_EQ(fs::path(dirs[1]).filename(), "brainpool");

    const crypto::curve expected[] = {crypto::curve::nist_p256, crypto::curve::brainpool_p256r1};
    bytes ci_ids[2];
    for (int i = 0; i < 2; ++i) {
        const fs::path sub(dirs[static_cast<std::size_t>(i)]);
        const auto ci = load(sub / pki::files::ci_cert);
        const auto eum = load(sub / pki::files::eum_cert);
        const auto euicc = load(sub / pki::files::euicc_cert);
        for (const char* f : {pki::files::ci_cert, pki::files::eum_cert, pki::files::euicc_cert,
                              pki::files::dpauth_cert, pki::files::dppb_cert, pki::files::dptls_cert})
            EXPECT_EQ(load(sub / f).public_key().key_curve(), expected[i]) << f;
        EXPECT_TRUE(crypto::verify_rsp_chain(euicc, &eum, ci, crypto::rsp_oid::euicc));
        EXPECT_TRUE(
            crypto::verify_rsp_chain(load(sub / pki::files::dpauth_cert), nullptr, ci, crypto::rsp_oid::dp_auth));
        EXPECT_TRUE(crypto::verify_rsp_chain(load(sub / pki::files::dppb_cert), nullptr, ci, crypto::rsp_oid::dp_pb));
        EXPECT_EQ(euicc.subject_serial_number(), o.eid);
        // Each certificate's private key is stored beside it and belongs to it.
        EXPECT_TRUE(pki::load_credential(sub.string(), pki::files::dpauth_cert, pki::files::dpauth_key));
        ci_ids[i] = ci.subject_key_id();
    }
    EXPECT_NE(ci_ids[0], ci_ids[1]); // two CIs, as in SGP.26
}

TEST(pki_both_curves, init_refuses_to_replace_an_existing_two_curve_pki)
{
    temp_dir d;
    pki::init_options o;
    o.directory = (d.path / "pki").string();
    o.both_curves = true;
    ASSERT_TRUE(pki::init(o));
    const std::string before = slurp(d.path / "pki" / "brainpool" / pki::files::ci_cert);
    auto again = pki::init(o);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos) << again.error().message;
    EXPECT_EQ(slurp(d.path / "pki" / "brainpool" / pki::files::ci_cert), before);
}

TEST(pki_both_curves, set_directories_of_a_single_curve_pki_is_the_directory_itself)
{
    temp_dir d;
    pki::init_options o;
    o.directory = (d.path / "one").string();
    ASSERT_TRUE(pki::init(o));
    EXPECT_EQ(pki::set_directories(o.directory), std::vector<std::string>{o.directory});
    EXPECT_TRUE(pki::set_directories((d.path / "nothing-here").string()).empty());
}

TEST(pki_issue, a_certificate_with_notAfter_in_the_past_is_expired_and_otherwise_valid)
{
    const auto ci = make_ci(crypto::curve::brainpool_p256r1);
    auto key = crypto::ec_key::generate(crypto::curve::brainpool_p256r1);
    ASSERT_TRUE(key);
    pki::certificate_request r;
    r.kind = pki::role::dpauth;
    r.not_before = std::chrono::system_clock::now() - 48h;
    r.not_after = std::chrono::system_clock::now() - 24h;
    auto cert = pki::issue_certificate(r, *key, &ci.cert, ci.key);
    ASSERT_TRUE(cert) << cert.error().message;
    EXPECT_FALSE(cert->valid_at());
    EXPECT_TRUE(cert->valid_at(std::chrono::system_clock::now() - 36h));
    EXPECT_EQ(cert->san_registered_id(), "2.999.10");
    // Everything but the time is in order, so the chain check names exactly that.
    const auto check = crypto::verify_rsp_chain(*cert, nullptr, ci.cert, crypto::rsp_oid::dp_auth);
    EXPECT_EQ(check.error, crypto::chain_error::expired) << check.message;
    EXPECT_TRUE(crypto::verify_rsp_chain(*cert, nullptr, ci.cert, crypto::rsp_oid::dp_auth, false));
}

TEST(pki_crl, a_crl_lists_the_revoked_serials_and_verifies_only_with_its_issuer)
{
    const auto ci = make_ci(crypto::curve::nist_p256);
    const auto other = make_ci(crypto::curve::nist_p256);
    auto key = crypto::ec_key::generate(crypto::curve::nist_p256);
    ASSERT_TRUE(key);
    pki::certificate_request r;
    r.kind = pki::role::eum;
    auto revoked = pki::issue_certificate(r, *key, &ci.cert, ci.key);
    auto kept = pki::issue_certificate(r, *key, &ci.cert, ci.key);
    ASSERT_TRUE(revoked && kept);
    ASSERT_NE(revoked->serial_number(), kept->serial_number());

    auto pem = pki::make_crl(ci.cert, ci.key, {revoked->serial_number()});
    ASSERT_TRUE(pem) << pem.error().message;
    auto crl = crypto::revocation_list::from_pem(*pem);
    ASSERT_TRUE(crl) << crl.error().message;
    EXPECT_EQ(crl->size(), 1u);
    EXPECT_EQ(crl->authority_key_id(), ci.cert.subject_key_id());
    EXPECT_TRUE(crl->revokes(revoked->serial_number()));
    EXPECT_FALSE(crl->revokes(kept->serial_number()));
    // A leading zero octet (DER INTEGER sign padding) does not change the serial number.
    bytes padded{0x00};
    padded.insert(padded.end(), revoked->serial_number().begin(), revoked->serial_number().end());
    EXPECT_TRUE(crl->revokes(padded));
    EXPECT_TRUE(crl->signed_by(ci.cert));
    EXPECT_FALSE(crl->signed_by(other.cert));
}

TEST(pki_crl, garbage_is_not_a_crl)
{
    EXPECT_FALSE(crypto::revocation_list::from_der(bytes{0x30, 0x03, 0x02, 0x01, 0x01}));
    EXPECT_FALSE(crypto::revocation_list::from_pem("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"));
    EXPECT_FALSE(crypto::revocation_list::load_file("/nonexistent/crl.pem"));
}
