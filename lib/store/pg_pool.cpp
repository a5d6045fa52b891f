#include "pg_pool.h"

#include <charconv>
#include <cstdlib>
#include <utility>

namespace openrsp::store::pg {

namespace {

constexpr std::size_t max_pool_size = 256;

struct conninfo_freer {
    void operator()(PQconninfoOption* o) const { ::PQconninfoFree(o); }
};
struct pq_freer {
    void operator()(char* p) const { ::PQfreemem(p); }
};

// Splits `pool_size=N` off the query string; every other parameter stays for libpq to judge.
result<void> take_pool_size(std::string& url, std::size_t& pool_size)
{
    const auto q = url.find('?');
    if (q == std::string::npos) return ok();
    std::string kept;
    std::size_t pos = q + 1;
    while (pos <= url.size()) {
        auto end = url.find('&', pos);
        if (end == std::string::npos) end = url.size();
        const std::string_view item(url.data() + pos, end - pos);
        if (item.starts_with("pool_size=")) {
            const auto v = item.substr(10);
            std::size_t n = 0;
            const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || p != v.data() + v.size() || n == 0 || n > max_pool_size)
                return fail("pool_size in the PostgreSQL URL must be a number from 1 to " +
                            std::to_string(max_pool_size) + ", not \"" + std::string(v) + "\"");
            pool_size = n;
        } else if (!item.empty()) {
            kept += kept.empty() ? "" : "&";
            kept += item;
        }
        pos = end + 1;
    }
    url.resize(q);
    if (!kept.empty()) url += "?" + kept;
    return ok();
}

} // namespace

params& params::add(const char* value, std::size_t length, bool null)
{
    // Running out of slots is a programming error in a statement table, caught by the tests.
    if (m_n == max) std::abort();
    // libpq reads a null value pointer as SQL NULL, so an empty value must still point somewhere.
    m_values[m_n] = null ? nullptr : value ? value : "";
    m_lengths[m_n] = static_cast<int>(length);
    m_formats[m_n] = 1;
    ++m_n;
    return *this;
}

params& params::text(std::string_view v)
{
    return add(v.data(), v.size(), false);
}

params& params::text_or_null(std::string_view v)
{
    return v.empty() ? null() : text(v);
}

params& params::null()
{
    return add(nullptr, 0, true);
}

params& params::blob(byte_view v)
{
    return add(reinterpret_cast<const char*>(v.data()), v.size(), false);
}

params& params::blob_or_null(byte_view v)
{
    return v.empty() ? add(nullptr, 0, true) : blob(v);
}

params& params::int64(std::int64_t v)
{
    // Binary int8 is big-endian two's complement.
    auto& buf = m_int8[m_n < max ? m_n : 0];
    auto u = static_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i) {
        buf[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xFF);
        u >>= 8;
    }
    return add(buf.data(), buf.size(), false);
}

std::string column_text(const PGresult* r, int row, int col)
{
    if (::PQgetisnull(r, row, col)) return {};
    return {::PQgetvalue(r, row, col), static_cast<std::size_t>(::PQgetlength(r, row, col))};
}

bytes column_bytes(const PGresult* r, int row, int col)
{
    if (::PQgetisnull(r, row, col)) return {};
    const auto* p = reinterpret_cast<const std::uint8_t*>(::PQgetvalue(r, row, col));
    return bytes(p, p + ::PQgetlength(r, row, col));
}

std::int64_t column_int64(const PGresult* r, int row, int col)
{
    if (::PQgetisnull(r, row, col) || ::PQgetlength(r, row, col) != 8) return 0;
    const auto* p = reinterpret_cast<const std::uint8_t*>(::PQgetvalue(r, row, col));
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i)
        u = (u << 8) | p[i];
    return static_cast<std::int64_t>(u);
}

std::string one_line(const char* message)
{
    std::string out;
    for (const char* p = message ? message : ""; *p; ++p) {
        const bool space = *p == '\n' || *p == '\t' || *p == ' ';
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += *p;
        }
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out.empty() ? "unknown error" : out;
}

result<settings> parse_url(const std::string& url)
{
    settings s;
    s.conninfo = url;
    OPENRSP_TRY_VOID(take_pool_size(s.conninfo, s.pool_size));

    char* raw_err = nullptr;
    std::unique_ptr<PQconninfoOption, conninfo_freer> opts(::PQconninfoParse(s.conninfo.c_str(), &raw_err));
    std::unique_ptr<char, pq_freer> err(raw_err);
    if (!opts) return fail("invalid PostgreSQL URL: " + one_line(err ? err.get() : "out of memory"));

    std::string host, hostaddr, port, dbname, user;
    for (const auto* o = opts.get(); o->keyword; ++o) {
        const std::string_view k = o->keyword;
        const std::string v = o->val ? o->val : "";
        if (k == "host")
            host = v;
        else if (k == "hostaddr")
            hostaddr = v;
        else if (k == "port")
            port = v;
        else if (k == "dbname")
            dbname = v;
        else if (k == "user")
            user = v;
    }
    // The same defaults libpq applies, so the message names the server it really tried.
    if (host.empty()) host = hostaddr.empty() ? "localhost" : hostaddr;
    if (port.empty()) port = "5432";
    if (dbname.empty()) dbname = user.empty() ? "(default database)" : user;
    s.where = host + ":" + port + "/" + dbname;
    return s;
}

pool::pool(settings cfg, setup_fn setup) : m_cfg(std::move(cfg)), m_setup(std::move(setup)) {}

pool::lease::~lease()
{
    if (m_conn) m_owner->give_back(std::move(m_conn));
}

void pool::lease::discard()
{
    if (!m_conn) return;
    m_conn.reset();
    m_owner->give_back(nullptr);
}

result<conn_ptr> pool::connect() const
{
    // Our defaults come before the URL (which may override them); UTF8 comes after, as the store's text is UTF-8.
    const char* const keys[] = {"connect_timeout", "dbname", "client_encoding", "fallback_application_name", nullptr};
    const char* const values[] = {"10", m_cfg.conninfo.c_str(), "UTF8", "openrsp", nullptr};
    conn_ptr c(::PQconnectdbParams(keys, values, 1));
    if (!c) return fail("cannot connect to PostgreSQL at " + m_cfg.where + ": out of memory");
    if (::PQstatus(c.get()) != CONNECTION_OK)
        return fail("cannot connect to PostgreSQL at " + m_cfg.where + ": " + one_line(::PQerrorMessage(c.get())));
    // Notices ("relation already exists, skipping") would otherwise go to stderr.
    ::PQsetNoticeProcessor(
        c.get(), [](void*, const char*) {}, nullptr);
    return c;
}

result<pool::lease> pool::acquire()
{
    {
        std::unique_lock lock(m_mutex);
        m_returned.wait(lock, [&] { return !m_idle.empty() || m_open < m_cfg.pool_size; });
        if (!m_idle.empty()) {
            conn_ptr c = std::move(m_idle.back());
            m_idle.pop_back();
            return lease(*this, std::move(c), true);
        }
        ++m_open; // claim the slot now; connecting happens without the lock
    }
    auto c = connect();
    if (c && m_setup) {
        if (auto r = m_setup(c->get()); !r) c = r.take_error();
    }
    if (!c) {
        give_back(nullptr);
        return c.take_error();
    }
    return lease(*this, std::move(*c), false);
}

void pool::give_back(conn_ptr conn)
{
    // A connection left inside a transaction or broken is not fit for the next caller; it is closed below,
    // outside the lock, because PQfinish talks to the network.
    const bool fit =
        conn && ::PQstatus(conn.get()) == CONNECTION_OK && ::PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
    {
        std::lock_guard lock(m_mutex);
        if (fit)
            m_idle.push_back(std::move(conn));
        else
            --m_open;
    }
    m_returned.notify_one();
}

void pool::drop_idle()
{
    std::vector<conn_ptr> closing;
    {
        std::lock_guard lock(m_mutex);
        closing.swap(m_idle);
        m_open -= closing.size();
    }
    m_returned.notify_all();
    // `closing` goes out of scope here, outside the lock: PQfinish talks to the network.
}

} // namespace openrsp::store::pg
