#pragma once
/// \file
/// \brief Private to lib/store: what the shared inventory code needs from a database dialect. Statement parameters
/// (args) and result rows (row) are dialect-neutral; an executor runs one named statement (statements.h) with them.

#include "statements.h"

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace openrsp::store {

/// \brief One statement parameter: a view of the caller's value, so args live only for the call they are built for.
struct arg {
    enum class kind : std::uint8_t { null, text, blob, int64 };
    kind type = kind::null;
    const void* data = nullptr; ///< text or blob bytes (a text's data pointer is passed on as given)
    std::size_t size = 0;
    std::int64_t number = 0;
};

/// \brief The parameters of one statement, in their number order (?1.. / $1..).
class args {
public:
    static constexpr std::size_t max = 12;

    args& text(std::string_view v) { return add({arg::kind::text, v.data(), v.size(), 0}); }
    /// SQL NULL when empty (a matching ID not given yet keeps the UNIQUE constraint for real ones).
    args& text_or_null(std::string_view v) { return v.empty() ? null() : text(v); }
    args& blob(byte_view v) { return add({arg::kind::blob, v.data(), v.size(), 0}); }
    /// SQL NULL when empty (no confirmation code).
    args& blob_or_null(byte_view v) { return v.empty() ? null() : blob(v); }
    args& int64(std::int64_t v) { return add({arg::kind::int64, nullptr, 0, v}); }
    /// Booleans are stored as 0 / 1 integers in both dialects.
    args& flag(bool v) { return int64(v ? 1 : 0); }
    /// SQL NULL ("keep this column" in guarded updates).
    args& null() { return add({}); }

    template <class T> args& optional_text(const std::optional<T>& v) { return v ? text(*v) : null(); }
    args& optional_blob(const std::optional<bytes>& v) { return v ? blob(*v) : null(); }
    args& optional_flag(const std::optional<bool>& v) { return v ? flag(*v) : null(); }
    args& optional_int64(const std::optional<std::int64_t>& v) { return v ? int64(*v) : null(); }

    [[nodiscard]] std::size_t size() const { return m_n; }
    [[nodiscard]] const arg& operator[](std::size_t i) const { return m_args[i]; }

private:
    args& add(arg a)
    {
        // Running out of slots is a programming error in a statement's parameter list, caught by the tests.
        if (m_n == max) std::abort();
        m_args[m_n++] = a;
        return *this;
    }

    std::array<arg, max> m_args{};
    std::size_t m_n = 0;
};

/// \brief One result row, read by column index; NULL reads as empty / zero in both dialects.
class row {
public:
    [[nodiscard]] virtual std::string text(int col) const = 0;
    [[nodiscard]] virtual bytes blob(int col) const = 0;
    [[nodiscard]] virtual std::int64_t int64(int col) const = 0;

protected:
    row() = default;
    row(const row&) = default;
    row& operator=(const row&) = default;
    ~row() = default;
};

/// \brief A non-owning callable reference (the callable outlives the call it is passed to); empty if default made.
template <class Signature> class function_ref;
template <class R, class... A> class function_ref<R(A...)> {
public:
    function_ref() = default;
    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref>)
        function_ref(F& f) // NOLINT: implicit on purpose, lambdas are passed as is
        : m_obj(&f), m_call([](void* o, A... a) -> R { return (*static_cast<F*>(o))(std::forward<A>(a)...); })
    {
    }
    explicit operator bool() const { return m_call != nullptr; }
    R operator()(A... a) const { return m_call(m_obj, std::forward<A>(a)...); }

private:
    void* m_obj = nullptr;
    R (*m_call)(void*, A...) = nullptr;
};

/// Called once per result row, while the statement's connection is held.
using row_sink = function_ref<void(const row&)>;

/// \brief How a statement ended.
struct run_result {
    std::size_t rows = 0; ///< rows returned if the statement returns rows, else rows it changed
    bool clash = false;   ///< a uniqueness violation, for statements whose info says it is an outcome
};

/// \brief Runs named statements: the dialect layer implements it (on its connection, or inside a transaction).
class executor {
public:
    /// Runs `s` with `a` bound in order, handing each result row to `each` (if given). A uniqueness violation is
    /// `clash` for statements whose info (statements.h) says so and an error otherwise; every error is a sentence.
    virtual result<run_result> run(stmt s, const args& a, row_sink each = {}) = 0;

protected:
    executor() = default;
    executor(const executor&) = default;
    executor& operator=(const executor&) = default;
    ~executor() = default;
};

} // namespace openrsp::store
