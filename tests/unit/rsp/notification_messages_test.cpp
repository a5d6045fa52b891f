// Typed ProfileInstallationResult (SGP.22 §5.7.6) and notification messages (§5.7.9-§5.7.11): bytes built the way
// the virtual eUICC builds them today decode, signed bytes are kept, decoded messages encode back unchanged, and
// each rejection names the ASN.1 type and field.
#include "openrsp/der/der.h"
#include "openrsp/rsp/installation_result.h"
#include "openrsp/rsp/notifications.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace openrsp::rsp {
namespace {

bytes cert(const std::string& name)
{
    std::ifstream in(std::string(OPENRSP_SOURCE_DIR) + "/tests/data/certs/sgp26/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const bytes tid = hex("00112233445566778899AABBCCDDEEFF");
const bytes iccid = hex("98440321436587092143");
const bytes sig64 = bytes(64, 0x77);
const bytes aid = hex("A0000005591010FFFFFFFF8900001000");

/// NotificationMetadata as lib/euicc/es10b_notifications.cpp writes it.
bytes metadata_der(std::uint64_t seq, notification_event ev, std::string_view address, byte_view iccid_bcd)
{
    der::writer w;
    w.begin(0xBF2F).add_uint(0x80, seq).add_named_bits(0x81, {static_cast<unsigned>(ev)}).add(0x0C, address);
    if (!iccid_bcd.empty()) w.add(0x5A, iccid_bcd);
    w.end();
    return w.finish();
}

/// A ProfileInstallationResult as lib/euicc/es10b_bpp.cpp writes it: finalResult `final_result` (an A2 TLV).
bytes pir_der(const bytes& final_result, bytes& bf27_out)
{
    der::writer data;
    data.begin(0xBF27)
        .add(0x80, tid)
        .raw(metadata_der(7, notification_event::install, "smdp.example.com", iccid))
        .add(0x06, *der::encode_oid("2.999.10"))
        .raw(final_result)
        .end();
    bf27_out = data.finish();
    der::writer w;
    w.begin(0xBF37).raw(bf27_out).add(0x5F37, sig64).end();
    return w.finish();
}

bytes success_final_result()
{
    // SAIP EUICCResponse peStatus{ok}, as sima_ok() writes it.
    der::writer sima;
    sima.begin(0x30).begin(0xA0).begin(0x30).add_uint(0x80, 0).end().end().end();
    der::writer fr;
    fr.begin(0xA2).begin(0xA0).add(0x4F, aid).add(0x04, sima.finish()).end().end();
    return fr.finish();
}

bytes error_final_result(unsigned command, unsigned reason)
{
    der::writer fr;
    fr.begin(0xA2).begin(0xA1).add_uint(0x80, command).add_uint(0x81, reason).end().end();
    return fr.finish();
}

/// OtherSignedNotification as lib/euicc/es10b_notifications.cpp writes it.
bytes other_der(const bytes& tbs)
{
    der::writer w;
    w.begin(0x30)
        .raw(tbs)
        .add(0x5F37, sig64)
        .raw(cert("CERT_EUICC_ECDSA_NIST.der"))
        .raw(cert("CERT_EUM_ECDSA_NIST.der"))
        .end();
    return w.finish();
}

void expect_code(const error& e, const char* reason, const std::string& words)
{
    EXPECT_EQ(e.subject, "1.3.1") << e.message;
    EXPECT_EQ(e.reason, reason) << e.message;
    EXPECT_NE(e.message.find(words), std::string::npos) << e.message;
}

TEST(notification_metadata, when_written_like_the_euicc_then_each_event_reads_back)
{
    for (auto ev : {notification_event::install, notification_event::enable, notification_event::disable,
                    notification_event::del}) {
        const bytes der = metadata_der(300, ev, "smdp.example.com", iccid);
        auto m = notification_metadata::decode(der);
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_EQ(m->seq_number, 300u);
        EXPECT_EQ(m->event(), ev);
        EXPECT_EQ(m->profile_management_operation, notification_events({ev}));
        EXPECT_EQ(m->notification_address, "smdp.example.com");
        EXPECT_EQ(m->iccid_digits(), "89443012345678901234");
        EXPECT_EQ(m->raw, der);
        notification_metadata fresh = *m;
        fresh.raw.clear();
        EXPECT_EQ(fresh.encode(), der);
    }
    // The DER of each PMO as SGP.22 / pySim list them (facts §5.6).
    EXPECT_EQ(notification_events({notification_event::install}), hex("0780"));
    EXPECT_EQ(notification_events({notification_event::del}), hex("0410"));
    EXPECT_EQ(notification_events({notification_event::install, notification_event::enable, notification_event::disable,
                                   notification_event::del}),
              hex("04F0"));
}

TEST(notification_metadata, when_the_iccid_is_absent_or_broken_then_absent_is_fine_and_broken_is_refused)
{
    auto no_iccid = notification_metadata::decode(metadata_der(1, notification_event::enable, "a.b", {}));
    ASSERT_TRUE(no_iccid) << no_iccid.error().message;
    EXPECT_TRUE(no_iccid->iccid.empty());
    EXPECT_EQ(no_iccid->iccid_digits(), "");
    auto short_iccid = notification_metadata::decode(metadata_der(1, notification_event::enable, "a.b", hex("9844")));
    ASSERT_FALSE(short_iccid);
    expect_code(short_iccid.error(), "2.1", "NotificationMetadata: iccid must be 10 bytes, not 2");
    auto no_address = notification_metadata::decode(hex("BF2F07800101"
                                                        "81020640"));
    ASSERT_FALSE(no_address);
    expect_code(no_address.error(), "2.2", "NotificationMetadata lacks its mandatory notificationAddress (tag 0C)");
    auto bad_bits = notification_metadata::decode(hex("BF2F0A800101"
                                                      "81020940"
                                                      "0C01"
                                                      "61"));
    ASSERT_FALSE(bad_bits);
    expect_code(bad_bits.error(), "2.1", "profileManagementOperation is not a valid BIT STRING");
}

TEST(profile_installation_result, when_the_euicc_reports_success_then_fields_and_signed_bytes_come_back)
{
    bytes bf27;
    const bytes der = pir_der(success_final_result(), bf27);
    auto p = profile_installation_result::decode(der);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->transaction_id, tid);
    EXPECT_EQ(p->notification_metadata.seq_number, 7u);
    EXPECT_EQ(p->notification_metadata.event(), notification_event::install);
    EXPECT_EQ(p->notification_metadata.iccid, iccid);
    EXPECT_EQ(p->smdp_oid, "2.999.10");
    ASSERT_TRUE(p->success());
    EXPECT_FALSE(p->error());
    EXPECT_EQ(p->success()->aid, aid);
    EXPECT_EQ(p->success()->sima_response, hex("3007A0053003800100"));
    EXPECT_EQ(p->data_raw, bf27); // what euiccSignPIR covers
    EXPECT_EQ(p->euicc_sign_pir, sig64);
    EXPECT_EQ(p->encode(), der);
    profile_installation_result fresh = *p;
    fresh.data_raw.clear();
    fresh.notification_metadata.raw.clear();
    EXPECT_EQ(fresh.encode_data(), bf27);
    EXPECT_EQ(fresh.encode(), der);
}

TEST(profile_installation_result, when_the_euicc_reports_an_error_then_command_and_reason_are_typed)
{
    bytes bf27;
    const bytes der = pir_der(error_final_result(2, 9), bf27);
    auto p = profile_installation_result::decode(der);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_TRUE(p->error());
    EXPECT_EQ(p->error()->bpp_command_id, bpp_command_id::store_metadata);
    EXPECT_EQ(p->error()->error_reason, install_error_reason::iccid_already_exists);
    EXPECT_FALSE(p->error()->sima_response);
    EXPECT_EQ(p->error()->sentence(), "the ICCID is already installed (BPP command 2)");
    EXPECT_EQ(p->encode(), der);
    // An errorReason a newer eUICC may send stays printable.
    auto future = profile_installation_result::decode(pir_der(error_final_result(5, 99), bf27));
    ASSERT_TRUE(future) << future.error().message;
    EXPECT_EQ(asn1_name(future->error()->error_reason), "errorReason 99");
}

TEST(profile_installation_result, when_parts_are_missing_or_malformed_then_it_says_which)
{
    bytes bf27;
    pir_der(success_final_result(), bf27);
    auto no_sig = profile_installation_result::decode(der::encode(0xBF37, bf27));
    ASSERT_FALSE(no_sig);
    expect_code(no_sig.error(), "2.2", "ProfileInstallationResult lacks its mandatory euiccSignPIR (tag 5F37)");

    der::writer no_oid;
    no_oid.begin(0xBF27).add(0x80, tid).raw(metadata_der(1, notification_event::install, "a.b", iccid));
    no_oid.raw(success_final_result()).end();
    der::writer w;
    w.begin(0xBF37).raw(no_oid.finish()).add(0x5F37, sig64).end();
    auto a = profile_installation_result::decode(w.finish());
    ASSERT_FALSE(a);
    expect_code(a.error(), "2.2", "ProfileInstallationResultData lacks its mandatory smdpOid (tag 06)");

    der::writer odd;
    odd.begin(0xA2).begin(0xA3).end().end();
    auto b = profile_installation_result::decode(pir_der(odd.finish(), bf27));
    ASSERT_FALSE(b);
    expect_code(b.error(), "2.1", "finalResult has the unknown alternative A3");

    der::writer short_aid;
    short_aid.begin(0xA2).begin(0xA0).add(0x4F, hex("A000")).add(0x04, bytes{}).end().end();
    auto c = profile_installation_result::decode(pir_der(short_aid.finish(), bf27));
    ASSERT_FALSE(c);
    expect_code(c.error(), "2.1", "SuccessResult: aid must be 5 to 16 bytes, not 2");

    der::writer no_reason;
    no_reason.begin(0xA2).begin(0xA1).add_uint(0x80, 1).end().end();
    auto d = profile_installation_result::decode(pir_der(no_reason.finish(), bf27));
    ASSERT_FALSE(d);
    expect_code(d.error(), "2.2", "ErrorResult lacks its mandatory errorReason (tag 81)");
}

TEST(other_signed_notification, when_written_like_the_euicc_then_certificates_and_tbs_bytes_are_kept)
{
    const bytes tbs = metadata_der(12, notification_event::disable, "smdp.example.com", iccid);
    const bytes der = other_der(tbs);
    auto n = other_signed_notification::decode(der);
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(n->tbs_other_notification.raw, tbs); // what euiccNotificationSignature covers
    EXPECT_EQ(n->tbs_other_notification.event(), notification_event::disable);
    EXPECT_EQ(n->euicc_notification_signature, sig64);
    EXPECT_EQ(n->euicc_certificate, cert("CERT_EUICC_ECDSA_NIST.der"));
    EXPECT_EQ(n->eum_certificate, cert("CERT_EUM_ECDSA_NIST.der"));
    EXPECT_EQ(n->encode(), der);

    der::writer one_cert;
    one_cert.begin(0x30).raw(tbs).add(0x5F37, sig64).raw(cert("CERT_EUICC_ECDSA_NIST.der")).end();
    auto short_one = other_signed_notification::decode(one_cert.finish());
    ASSERT_FALSE(short_one);
    expect_code(short_one.error(), "2.2", "OtherSignedNotification lacks its mandatory eumCertificate");
}

TEST(pending_notification, when_either_alternative_arrives_then_it_is_dispatched_by_tag)
{
    bytes bf27;
    const bytes pir = pir_der(error_final_result(5, 8), bf27);
    auto a = pending_notification::decode(pir);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(a->installation_result());
    EXPECT_EQ(a->metadata().seq_number, 7u);
    EXPECT_EQ(a->encode(), pir);

    const bytes other = other_der(metadata_der(3, notification_event::enable, "x.example", iccid));
    auto b = pending_notification::decode(other);
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_TRUE(b->other());
    EXPECT_EQ(b->metadata().event(), notification_event::enable);
    EXPECT_EQ(b->encode(), other);

    auto c = pending_notification::decode(hex("BF2F00"));
    ASSERT_FALSE(c);
    expect_code(c.error(), "2.1", "neither a ProfileInstallationResult (BF37) nor an OtherSignedNotification");
}

TEST(list_notification, when_the_euicc_lists_or_refuses_then_both_branches_read_back)
{
    EXPECT_EQ(list_notification_request{}.encode(), hex("BF2800"));
    list_notification_request filtered{notification_events({notification_event::enable})};
    auto req = list_notification_request::decode(filtered.encode());
    ASSERT_TRUE(req) << req.error().message;
    EXPECT_EQ(req->profile_management_operation, hex("0640"));

    der::writer w;
    w.begin(0xBF28).begin(0xA0);
    w.raw(metadata_der(1, notification_event::install, "a.example", iccid));
    w.raw(metadata_der(2, notification_event::enable, "b.example", iccid));
    w.end().end();
    const bytes der = w.finish();
    auto list = list_notification_response::decode(der);
    ASSERT_TRUE(list) << list.error().message;
    EXPECT_FALSE(list->error);
    ASSERT_EQ(list->notification_metadata_list.size(), 2u);
    EXPECT_EQ(list->notification_metadata_list[1].notification_address, "b.example");
    EXPECT_EQ(list->encode(), der);

    auto empty = list_notification_response::decode(hex("BF2802A000"));
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->notification_metadata_list.empty());
    auto refused = list_notification_response::decode(hex("BF2803"
                                                          "81017F"));
    ASSERT_TRUE(refused) << refused.error().message;
    EXPECT_EQ(refused->error, 127u);
    EXPECT_EQ(refused->encode(), hex("BF280381017F"));

    auto foreign = list_notification_response::decode(hex("BF2805A003"
                                                          "5A0100"));
    ASSERT_FALSE(foreign);
    expect_code(foreign.error(), "2.1", "NotificationMetadata: the outer tag is 5A");
}

TEST(retrieve_notifications_list, when_asked_by_seq_or_pmo_then_the_choice_and_the_list_read_back)
{
    retrieve_notifications_list_request by_seq;
    by_seq.seq_number = 7;
    EXPECT_EQ(by_seq.encode(), hex("BF2B05A003800107")); // as lib/lpa/es10.cpp writes it
    auto r1 = retrieve_notifications_list_request::decode(hex("BF2B05A003800107"));
    ASSERT_TRUE(r1) << r1.error().message;
    EXPECT_EQ(r1->seq_number, 7u);
    auto r2 = retrieve_notifications_list_request::decode(hex("BF2B06A00481020520"));
    ASSERT_TRUE(r2) << r2.error().message;
    EXPECT_TRUE(has_event(*r2->profile_management_operation, notification_event::disable));
    auto r3 = retrieve_notifications_list_request::decode(hex("BF2B00"));
    ASSERT_TRUE(r3) << r3.error().message;
    EXPECT_FALSE(r3->seq_number || r3->profile_management_operation);
    auto bad = retrieve_notifications_list_request::decode(hex("BF2B05A003820107"));
    ASSERT_FALSE(bad);
    expect_code(bad.error(), "2.1", "searchCriteria has the unknown alternative 82");

    bytes bf27;
    der::writer w;
    w.begin(0xBF2B).begin(0xA0);
    w.raw(pir_der(success_final_result(), bf27));
    w.raw(other_der(metadata_der(8, notification_event::del, "c.example", iccid)));
    w.end().end();
    const bytes der = w.finish();
    auto list = retrieve_notifications_list_response::decode(der);
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->notification_list.size(), 2u);
    EXPECT_TRUE(list->notification_list[0].installation_result());
    EXPECT_EQ(list->notification_list[1].metadata().event(), notification_event::del);
    EXPECT_EQ(list->encode(), der);
    auto none = retrieve_notifications_list_response::decode(hex("BF2B03810101"));
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->error, 1u); // noResultAvailable
}

TEST(notification_sent, when_removed_then_request_and_status_read_back)
{
    EXPECT_EQ(notification_sent_request{300}.encode(), hex("BF30048002012C"));
    auto req = notification_sent_request::decode(hex("BF30048002012C"));
    ASSERT_TRUE(req) << req.error().message;
    EXPECT_EQ(req->seq_number, 300u);
    auto missing = notification_sent_request::decode(hex("BF3000"));
    ASSERT_FALSE(missing);
    expect_code(missing.error(), "2.2", "NotificationSentRequest lacks its mandatory seqNumber (tag 80)");
    auto resp = notification_sent_response::decode(hex("BF3003800101"));
    ASSERT_TRUE(resp) << resp.error().message;
    EXPECT_EQ(resp->delete_notification_status, 1u);
    EXPECT_EQ(resp->encode(), hex("BF3003800101"));
    auto trailing = notification_sent_response::decode(hex("BF3003800101FF"));
    ASSERT_FALSE(trailing);
    expect_code(trailing.error(), "2.1", "1 unexpected bytes follow");
}

} // namespace
} // namespace openrsp::rsp
