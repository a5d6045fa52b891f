/// An SM-DP+ holding several certificate sets (NIST P-256 and brainpoolP256r1, each under its own CI): selection
/// from EUICCInfo1 (SGP.22 §5.6.1), the sets kept for the whole session, the SGP.26 layout, expired and revoked EUM
/// and eUICC certificates (SGP.22 §4.6), and the EID range of the EUM. Every case on both inventory backends.

#include "smdpp_fixture.h"

#include "openrsp/rsp/tags.h"

#include <chrono>

using namespace openrsp;
using namespace openrsp::smdpp;
using namespace openrsp::smdpp::testing;
using namespace std::chrono_literals;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";
constexpr const char* iccid3 = "8949000000000000034";

// The whole public SGP.26 set in its published folder layout (tests/data/SOURCES.md).
const std::string sgp26_dir = std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/sgp26-set";

/// `pki init --curve both`, once per binary.
struct both_pki {
    fs::path root;
    both_pki()
    {
        root = make_temp_dir();
        pki::init_options o;
        o.directory = (root / "pki").string();
        o.both_curves = true;
        if (auto r = pki::init(o); !r) throw std::runtime_error(r.error().message);
    }
    ~both_pki() { fs::remove_all(root); }
    [[nodiscard]] std::string dir() const { return (root / "pki").string(); }
    [[nodiscard]] std::string sub(const char* curve) const { return (root / "pki" / curve).string(); }
    static const both_pki& get()
    {
        static both_pki p;
        return p;
    }
};

crypto::ec_key read_key(const std::string& path)
{
    auto key = crypto::ec_key::from_pem(slurp(path));
    if (!key) throw std::runtime_error("cannot read " + path);
    return std::move(*key);
}

crypto::certificate read_cert(const std::string& path)
{
    auto c = crypto::certificate::load_file(path);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
}

/// An EUM/eUICC chain issued with the public PKI API, for certificates `pki init` never makes.
struct chain {
    crypto::certificate eum;
    crypto::certificate euicc;
    std::string euicc_key_pem;
};

struct chain_options {
    bool expired_eum = false;
    bool expired_euicc = false;
    std::string eid = "89049032123451234512345678901235";
};

/// Under the NIST CI of both_pki: a fresh EUM (or the PKI's own) and an eUICC certificate.
chain make_chain(const chain_options& o)
{
    const std::string nist = both_pki::get().sub(pki::layout::nist);
    const auto ci = read_cert(nist + "/" + pki::files::ci_cert);
    const auto ci_key = read_key(nist + "/" + pki::files::ci_key);
    const auto past = [](pki::certificate_request& r) {
        r.not_before = std::chrono::system_clock::now() - 72h;
        r.not_after = std::chrono::system_clock::now() - 24h;
    };
    pki::certificate_request eum_req;
    eum_req.kind = pki::role::eum;
    if (o.expired_eum) past(eum_req);
    auto eum_key = crypto::ec_key::generate(crypto::curve::nist_p256);
    auto eum = pki::issue_certificate(eum_req, *eum_key, &ci, ci_key);
    if (!eum) throw std::runtime_error(eum.error().message);

    pki::certificate_request euicc_req;
    euicc_req.kind = pki::role::euicc;
    euicc_req.eid = o.eid;
    if (o.expired_euicc) past(euicc_req);
    auto euicc_key = crypto::ec_key::generate(crypto::curve::nist_p256);
    auto euicc = pki::issue_certificate(euicc_req, *euicc_key, &*eum, *eum_key);
    if (!euicc) throw std::runtime_error(euicc.error().message);
    return {std::move(*eum), std::move(*euicc), euicc_key->private_pem()};
}

class cert_sets : public smdpp_test {
protected:
    /// Replaces the fixture's single-set service by one with `creds`.
    void use(smdpp::server_credentials creds)
    {
        config cfg;
        cfg.address = smdp_address;
        cfg.now = [this] { return m_now.load(); };
        m_service = std::make_unique<service>(std::move(cfg), std::move(creds), *m_inventory);
    }

    smdpp::server_credentials both_sets()
    {
        auto creds = load_credentials(both_pki::get().dir());
        EXPECT_TRUE(creds) << (creds ? "" : creds.error().message);
        return std::move(*creds);
    }

    std::string card(const std::string& name, const euicc::provisioning& p)
    {
        const std::string path = (m_dir / (name + ".json")).string();
        auto r = euicc::virtual_euicc::create(path, p);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return path;
    }

    /// A card with the identities of the given pki init set directories.
    std::string pki_card(const std::string& name, const std::vector<std::string>& set_dirs)
    {
        std::vector<euicc::identity_files> files;
        for (const auto& d : set_dirs)
            files.push_back({d + "/" + pki::files::euicc_cert,
                             d + "/" + pki::files::euicc_key,
                             d + "/" + pki::files::eum_cert,
                             {d + "/" + pki::files::ci_cert}});
        auto p = euicc::load_identities(files);
        EXPECT_TRUE(p) << (p ? "" : p.error().message);
        return card(name, *p);
    }

    std::string chain_card(const std::string& name, const chain& c)
    {
        euicc::provisioning p;
        p.euicc_cert_pem = c.euicc.pem();
        p.euicc_key_pem = c.euicc_key_pem;
        p.eum_cert_pem = c.eum.pem();
        p.ci_cert_pems.push_back(slurp(both_pki::get().sub(pki::layout::nist) + "/" + pki::files::ci_cert));
        return card(name, p);
    }

    /// initiateAuthentication for this card: which CI and which DPauth the server picked.
    result<rsp::es9p::initiate_authentication_response> initiate(const std::string& path)
    {
        auto opened = open_euicc(path);
        if (!opened) return opened.take_error();
        auto& es10 = *opened->es10;
        return begin_authentication(es10);
    }

    /// initiateAuthentication with a hand-made EUICCInfo1.
    result<rsp::es9p::initiate_authentication_response> initiate_with(const std::vector<bytes>& verification,
                                                                      const std::vector<bytes>& signing)
    {
        der::writer w;
        w.begin(rsp::tag::get_euicc_info1).add(0x82, bytes{2, 2, 2}).begin(0xA9);
        for (const auto& v : verification)
            w.add(rsp::tag::octet_string, v);
        w.end().begin(0xAA);
        for (const auto& s : signing)
            w.add(rsp::tag::octet_string, s);
        w.end().end();
        return m_service->initiate_authentication({smdp_address, crypto::random_bytes(16), w.finish()});
    }

    static bytes ci_id(const std::string& set_dir)
    {
        return read_cert(set_dir + "/" + pki::files::ci_cert).subject_key_id();
    }

    static crypto::curve server_curve(const rsp::es9p::initiate_authentication_response& ia)
    {
        return crypto::certificate::from_der(ia.server_certificate)->public_key().key_curve();
    }
    static bytes to_be_used(const rsp::es9p::initiate_authentication_response& ia)
    {
        auto t = der::parse_one(ia.euicc_ci_pkid_to_be_used);
        return t ? bytes(t->value.begin(), t->value.end()) : bytes{};
    }
};

} // namespace

TEST_P(cert_sets, one_server_downloads_to_a_nist_a_brainpool_and_a_dual_identity_euicc)
{
    use(both_sets());
    const std::string nist = both_pki::get().sub(pki::layout::nist);
    const std::string brp = both_pki::get().sub(pki::layout::brainpool);
    const std::string nist_card = pki_card("nist", {nist});
    const std::string brp_card = pki_card("brainpool", {brp});
    const std::string dual_card = pki_card("dual", {brp, nist}); // brainpool is this card's first identity

    struct expectation {
        std::string card;
        const char* iccid;
        bytes ci;
        crypto::curve curve;
    };
    // The dual card signs under both CIs; the server prefers its first set (NIST), whatever the card's order.
    const expectation cases[] = {{nist_card, iccid1, ci_id(nist), crypto::curve::nist_p256},
                                 {brp_card, iccid2, ci_id(brp), crypto::curve::brainpool_p256r1},
                                 {dual_card, iccid3, ci_id(nist), crypto::curve::nist_p256}};
    for (const auto& c : cases) {
        auto ia = initiate(c.card);
        ASSERT_TRUE(ia) << ia.error().message;
        EXPECT_EQ(to_be_used(*ia), c.ci);
        EXPECT_EQ(server_curve(*ia), c.curve);
        // The whole download then runs on that set: smdpSignature2 and the BPP's ECKA on the DPpb of the same CI
        // (the eUICC refuses a DPpb under another CI, and makes its one-time key on the DPpb's curve).
        const auto mid = add_released(c.iccid);
        auto r = download(c.card, mid);
        ASSERT_TRUE(r) << c.iccid << ": " << r.error().message;
        EXPECT_EQ(profile(c.iccid).state, profile_state::installed);
    }
}

TEST_P(cert_sets, the_set_follows_the_verification_list_and_to_be_used_the_signing_list)
{
    use(both_sets());
    const bytes nist = ci_id(both_pki::get().sub(pki::layout::nist));
    const bytes brp = ci_id(both_pki::get().sub(pki::layout::brainpool));
    const bytes unknown(20, 0x5A);

    // The eUICC verifies brainpool only but signs under NIST: DPauth from the brainpool set, NIST to be used.
    auto mixed = initiate_with({brp}, {nist});
    ASSERT_TRUE(mixed) << mixed.error().message;
    EXPECT_EQ(server_curve(*mixed), crypto::curve::brainpool_p256r1);
    EXPECT_EQ(to_be_used(*mixed), nist);
    // Unknown entries are skipped.
    auto second = initiate_with({unknown, brp}, {unknown, brp});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(to_be_used(*second), brp);

    auto no_signing = initiate_with({nist, brp}, {unknown});
    ASSERT_FALSE(no_signing);
    expect_codes(no_signing.error(), "8.8.2", "3.1");
    auto no_verification = initiate_with({unknown}, {nist});
    ASSERT_FALSE(no_verification);
    expect_codes(no_verification.error(), "8.8.4", "3.7");
}

TEST_P(cert_sets, sgp26_certificate_sets_load_from_their_layout_and_serve_the_sgp26_euicc_on_both_curves)
{
    auto creds = load_credentials(sgp26_dir);
    ASSERT_TRUE(creds) << creds.error().message;
    ASSERT_EQ(creds->sets.size(), 2u);
    EXPECT_EQ(creds->sets[0].dpauth.cert.public_key().key_curve(), crypto::curve::nist_p256);
    EXPECT_EQ(creds->sets[1].dpauth.cert.public_key().key_curve(), crypto::curve::brainpool_p256r1);
    EXPECT_EQ(to_hex(creds->sets[1].ci_pkid(), true), "C0BC70BA36929D43B467FF57570530E57AB8FCD8");
    EXPECT_TRUE(creds->dptls.cert.valid_at()); // the renewed (VARO) DPtls, not the expired original
    use(std::move(*creds));

    const auto ident = [](const char* c) {
        const std::string s(c);
        return euicc::identity_files{sgp26_dir + "/eUICC/CERT_EUICC_ECDSA_" + s + ".der",
                                     sgp26_dir + "/eUICC/SK_EUICC_ECDSA_" + s + ".pem",
                                     sgp26_dir + "/EUM/CERT_EUM_ECDSA_" + s + ".der",
                                     {sgp26_dir + "/CertificateIssuer/CERT_CI_ECDSA_" + s + ".der"}};
    };
    auto brp = euicc::load_identities({ident("BRP")});
    auto dual = euicc::load_identities({ident("NIST"), ident("BRP")});
    ASSERT_TRUE(brp && dual);
    const auto brp_card = card("sgp26-brp", *brp);
    auto ia = initiate(brp_card);
    ASSERT_TRUE(ia) << ia.error().message;
    EXPECT_EQ(server_curve(*ia), crypto::curve::brainpool_p256r1);
    // The SGP.26 eUICC's EID lies in its EUM's name-constrained range: accepted despite RFC 5280 processing.
    auto r = download(brp_card, add_released(iccid1));
    ASSERT_TRUE(r) << r.error().message;
    auto r2 = download(card("sgp26-dual", *dual), add_released(iccid2));
    ASSERT_TRUE(r2) << r2.error().message;
}

TEST_P(cert_sets, pki_directories_given_separately_merge_into_one_server)
{
    auto creds = load_credentials(
        std::vector<std::string>{both_pki::get().sub(pki::layout::brainpool), both_pki::get().sub(pki::layout::nist)});
    ASSERT_TRUE(creds) << creds.error().message;
    ASSERT_EQ(creds->sets.size(), 2u);
    EXPECT_EQ(creds->cis.size(), 2u);
    // The first directory's DPtls serves TLS.
    EXPECT_EQ(creds->dptls.cert.public_key().key_curve(), crypto::curve::brainpool_p256r1);
    auto twice = load_credentials(std::vector<std::string>{both_pki::get().dir(), both_pki::get().sub("nist")});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("same CI"), std::string::npos) << twice.error().message;
    auto missing = load_credentials((m_dir / "nothing").string());
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos) << missing.error().message;
}

TEST_P(cert_sets, expired_EUM_gives_8_1_2_6_3_and_expired_eUICC_8_1_3_6_3_and_the_profile_stays_released)
{
    use(both_sets());
    const auto mid = add_released(iccid1);
    auto eum = download(chain_card("old-eum", make_chain({.expired_eum = true})), mid);
    ASSERT_FALSE(eum);
    expect_codes(eum.error(), "8.1.2", "6.3");
    auto euicc = download(chain_card("old-euicc", make_chain({.expired_euicc = true})), mid);
    ASSERT_FALSE(euicc);
    expect_codes(euicc.error(), "8.1.3", "6.3");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    // A current chain of the same shape downloads the same order.
    ASSERT_TRUE(download(chain_card("fresh", make_chain({})), mid));
}

TEST_P(cert_sets, an_eid_outside_the_EUM_range_gives_8_1_3_6_1)
{
    use(both_sets());
    const auto mid = add_released(iccid1);
    const std::string outside = pki::eid_with_check_digits("890490991234512345123456789012");
    auto r = download(chain_card("outside", make_chain({.eid = outside})), mid);
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.1.3", "6.1");
    EXPECT_NE(r.error().message.find("outside the range"), std::string::npos) << r.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
}

TEST_P(cert_sets, revoked_eUICCs_and_EUMs_are_refused_by_EID_serial_and_CRL)
{
    const std::string nist = both_pki::get().sub(pki::layout::nist);
    const auto ci = read_cert(nist + "/" + pki::files::ci_cert);
    const auto ci_key = read_key(nist + "/" + pki::files::ci_key);
    const chain by_eid = make_chain({.eid = pki::eid_with_check_digits("890490321111111111111111111111")});
    const chain by_serial = make_chain({});
    const chain by_ci_crl = make_chain({});
    const chain good = make_chain({});

    auto creds = both_sets();
    const fs::path list = m_dir / "revoked.txt";
    {
        std::ofstream out(list);
        out << "# revoked eUICCs\neid " << by_eid.euicc.subject_serial_number() << "\nserial "
            << to_hex(by_serial.euicc.serial_number(), true) << "  # lost card\n";
    }
    ASSERT_TRUE(load_revoked_list(creds, list.string()));
    // The CI revokes an EUM (the EUM-issued CRL has its own test below).
    auto ci_crl = pki::make_crl(ci, ci_key, {by_ci_crl.eum.serial_number()});
    ASSERT_TRUE(ci_crl);
    const fs::path ci_crl_file = m_dir / "ci.crl";
    std::ofstream(ci_crl_file) << *ci_crl;
    ASSERT_TRUE(load_crl(creds, ci_crl_file.string()));
    use(std::move(creds));

    const auto mid = add_released(iccid1);
    auto r1 = download(chain_card("by-eid", by_eid), mid);
    ASSERT_FALSE(r1);
    expect_codes(r1.error(), "8.1.3", "6.1");
    auto r2 = download(chain_card("by-serial", by_serial), mid);
    ASSERT_FALSE(r2);
    expect_codes(r2.error(), "8.1.3", "6.1");
    auto r3 = download(chain_card("by-ci-crl", by_ci_crl), mid);
    ASSERT_FALSE(r3);
    expect_codes(r3.error(), "8.1.2", "6.1");
    EXPECT_NE(r3.error().message.find("revoked"), std::string::npos);
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    ASSERT_TRUE(download(chain_card("good", good), mid));
}

TEST_P(cert_sets, an_EUM_crl_revokes_its_own_eUICCs_only_when_signed_by_that_EUM)
{
    // The pki init eUICC and its EUM (whose key is in the directory) under the NIST CI.
    const std::string nist = both_pki::get().sub(pki::layout::nist);
    const auto eum = read_cert(nist + "/" + pki::files::eum_cert);
    const auto eum_key = read_key(nist + "/" + pki::files::eum_key);
    const auto euicc = read_cert(nist + "/" + pki::files::euicc_cert);
    const auto other_key = crypto::ec_key::generate(crypto::curve::nist_p256);

    auto forged = pki::make_crl(eum, *other_key, {euicc.serial_number()}); // names the EUM, signed by someone else
    auto genuine = pki::make_crl(eum, eum_key, {euicc.serial_number()});
    ASSERT_TRUE(forged && genuine);
    std::ofstream(m_dir / "forged.crl") << *forged;
    std::ofstream(m_dir / "genuine.crl") << *genuine;
    const std::string card_path = pki_card("nist", {nist});

    auto creds = both_sets();
    ASSERT_TRUE(load_crl(creds, (m_dir / "forged.crl").string())); // kept: checked against the EUM when used
    use(std::move(creds));
    ASSERT_TRUE(download(card_path, add_released(iccid1)));

    auto creds2 = both_sets();
    ASSERT_TRUE(load_crl(creds2, (m_dir / "genuine.crl").string()));
    use(std::move(creds2));
    auto r = download(card_path, add_released(iccid2));
    ASSERT_FALSE(r);
    expect_codes(r.error(), "8.1.3", "6.1");
}

TEST_P(cert_sets, bad_revocation_inputs_are_refused_and_change_nothing)
{
    auto creds = both_sets();
    const fs::path list = m_dir / "bad.txt";
    std::ofstream(list) << "eid 89049032123451234512345678901235\nserial XYZ\n";
    auto r = load_revoked_list(creds, list.string());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
    EXPECT_TRUE(creds.revoked.empty());
    std::ofstream(m_dir / "short.txt") << "eid 1234\n";
    EXPECT_FALSE(load_revoked_list(creds, (m_dir / "short.txt").string()));

    // A CRL that names the NIST CI as issuer but is signed by another key.
    const std::string nist = both_pki::get().sub(pki::layout::nist);
    const auto ci = read_cert(nist + "/" + pki::files::ci_cert);
    auto forged = pki::make_crl(ci, *crypto::ec_key::generate(crypto::curve::nist_p256), {bytes{0x01}});
    ASSERT_TRUE(forged);
    std::ofstream(m_dir / "forged-ci.crl") << *forged;
    auto c = load_crl(creds, (m_dir / "forged-ci.crl").string());
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("does not verify"), std::string::npos) << c.error().message;
    EXPECT_FALSE(load_crl(creds, (m_dir / "bad.txt").string()));
    EXPECT_TRUE(creds.revoked.empty());
}

INSTANTIATE_TEST_SUITE_P(backends, cert_sets, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
