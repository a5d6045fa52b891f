#pragma once
/// \file
/// \brief Running a command line as a child the way a person's shell runs it (tests of the `openrsp` CLI and of
/// lpac): stdin from /dev/null unless the command says otherwise, stdout and stderr captured. Header-only.

#include "support/files.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <sys/wait.h>

namespace openrsp::test {

/// `s` in single quotes for /bin/sh, embedded quotes escaped.
inline std::string shell_quote(const std::string& s)
{
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct run_result {
    int code = -1; ///< exit status; -1 when the child did not exit normally (a signal)
    std::string out, err;
};

/// Runs `command` with /bin/sh, its stdout and stderr in files of `dir` (so they cannot fill a pipe), and returns them.
inline run_result run_shell(const std::filesystem::path& dir, const std::string& command)
{
    const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
    const int status =
        std::system((command + " > " + shell_quote(out.string()) + " 2> " + shell_quote(err.string())).c_str());
    run_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

} // namespace openrsp::test
