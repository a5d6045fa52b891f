#pragma once
/// \file
/// \brief Small expected-style result carrying SGP.22 subject/reason codes (GCC 12 has no std::expected in C++20).

#include <string>
#include <utility>
#include <variant>

namespace openrsp {

/// \brief An error as SGP.22 reports it on the wire: subject code, reason code and a plain sentence.
///
/// subject/reason follow SGP.22 §5.2.6 (e.g. "8.2.6" / "3.8"). Errors that are not protocol errors
/// (I/O, configuration) leave them empty and carry only the message.
struct error {
    std::string subject;
    std::string reason;
    std::string message;

    /// \brief A protocol error with SGP.22 subject and reason codes.
    static error rsp(std::string subject_code, std::string reason_code, std::string text)
    {
        return error{std::move(subject_code), std::move(reason_code), std::move(text)};
    }
    /// \brief A local error with only a sentence.
    static error plain(std::string text) { return error{{}, {}, std::move(text)}; }

    [[nodiscard]] bool has_codes() const { return !subject.empty(); }
};

/// \brief Wraps an error so a result<T> can be built from it implicitly.
struct unexpected {
    error err;
};
inline unexpected fail(error e) { return unexpected{std::move(e)}; }
inline unexpected fail(std::string text) { return unexpected{error::plain(std::move(text))}; }
inline unexpected fail(std::string subject, std::string reason, std::string text)
{
    return unexpected{error::rsp(std::move(subject), std::move(reason), std::move(text))};
}

/// \brief Either a value or an error.
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    result(unexpected u) : m_v(std::in_place_index<1>, std::move(u.err)) {}

    [[nodiscard]] bool has_value() const { return m_v.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const struct error& error() const { return std::get<1>(m_v); }
    unexpected take_error() const { return unexpected{std::get<1>(m_v)}; }

private:
    std::variant<T, struct error> m_v;
};

template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(unexpected u) : m_err(std::move(u.err)), m_ok(false) {}

    [[nodiscard]] bool has_value() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const struct error& error() const { return m_err; }
    unexpected take_error() const { return unexpected{m_err}; }

private:
    struct error m_err;
    bool m_ok = true;
};

/// \brief Success value for result<void>.
inline result<void> ok() { return {}; }

} // namespace openrsp

/// Propagates the error of a result-returning expression; evaluates to nothing on success.
#define OPENRSP_TRY_VOID(expr)                                                                                         \
    do {                                                                                                               \
        auto openrsp_try_r_ = (expr);                                                                                  \
        if (!openrsp_try_r_) return openrsp_try_r_.take_error();                                                       \
    } while (0)
