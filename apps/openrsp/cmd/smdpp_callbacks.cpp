// `openrsp smdpp operator set-callback` and `openrsp smdpp callbacks`: where an operator's ES2+
// HandleDownloadProgressInfo calls go, and what is queued, delivered or given up.
#include "common.h"

#include "openrsp/smdpp/progress.h"
#include "openrsp/store/store.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace openrsp::cli {

namespace {

struct callback_args {
    std::string db, name, url;
    bool json = false;
};

void set_callback(const callback_args& a)
{
    // Only http(s) URLs: the sender posts there, and anything else would fail on every attempt.
    if (!a.url.empty() && !a.url.starts_with("https://") && !a.url.starts_with("http://"))
        die("the callback URL must start with https:// (or http:// behind a trusted network), not '" + a.url + "'");
    auto inv = must(store::open_inventory(a.db));
    must(inv->set_operator_callback(a.name, a.url));
    if (a.json) {
        std::printf("%s\n", nlohmann::json{{"ok", true}, {"operator", a.name}, {"callbackUrl", a.url}}.dump().c_str());
        return;
    }
    if (a.url.empty())
        std::printf("operator %s gets no progress callbacks any more\n", a.name.c_str());
    else
        std::printf("operator %s gets HandleDownloadProgressInfo at %s\n", a.name.c_str(), a.url.c_str());
}

void list_callbacks(const callback_args& a)
{
    auto inv = must(store::open_inventory(a.db));
    const auto all = must(inv->list_progress_callbacks());
    if (a.json) {
        auto out = nlohmann::json::array();
        for (const auto& c : all)
            out.push_back({{"id", c.event.id},
                           {"operator", c.operator_id},
                           {"iccid", c.iccid},
                           {"notificationPointId", c.event.notification_point_id},
                           {"status", c.event.success ? "Executed-Success" : "Failed"},
                           {"timestamp", smdpp::w3c_timestamp(c.event.time)},
                           {"state", c.state},
                           {"attempts", c.attempts},
                           {"nextAttempt", smdpp::w3c_timestamp(c.next_attempt_at)},
                           {"lastError", c.last_error}});
        std::printf("%s\n", out.dump().c_str());
        return;
    }
    for (const auto& c : all) {
        std::printf("%s  %-9s  %s  %-8s  point %-3lld  %s  attempts %lld", c.event.id.c_str(), c.state.c_str(),
                    c.iccid.c_str(), c.operator_id.c_str(), static_cast<long long>(c.event.notification_point_id),
                    c.event.success ? "success" : "failed ", static_cast<long long>(c.attempts));
        if (!c.last_error.empty()) std::printf("  last error: %s", c.last_error.c_str());
        std::printf("\n");
    }
}

} // namespace

void register_smdpp_callbacks(CLI::App& smdpp)
{
    auto a = std::make_shared<callback_args>();
    auto* op = smdpp.get_subcommand("operator");
    auto* set = op->add_subcommand("set-callback",
                                   "Where the operator's ES2+ HandleDownloadProgressInfo calls go (empty URL: none)");
    set->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    set->add_option("--name", a->name, "Operator name")->required();
    set->add_option("--url", a->url, "The operator's endpoint, e.g. https://mno.example/es2plus/progress")->required();
    set->add_flag("--json", a->json, "Print the result as one JSON object");
    set->callback([a] { set_callback(*a); });

    auto* list = smdpp.add_subcommand("callbacks", "Progress callbacks to operators: pending, delivered, abandoned");
    list->add_option("--db", a->db, "Inventory: SQLite file path or postgresql:// URL")->required();
    list->add_flag("--json", a->json, "Print a JSON array");
    list->callback([a] { list_callbacks(*a); });
}

} // namespace openrsp::cli
