// openrsp: one command line for every party of SGP.22 consumer RSP.
#include "cmd/common.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

// Both come from apps/openrsp/CMakeLists.txt: the project version, and the commit the build was configured from
// (empty outside a git checkout).
#ifndef OPENRSP_VERSION
#define OPENRSP_VERSION "unknown"
#endif
#ifndef OPENRSP_GIT_COMMIT
#define OPENRSP_GIT_COMMIT ""
#endif

namespace openrsp::cli {

result<std::string> read_text_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

namespace {

/// "openrsp 0.1.0 (git 0123456789ab)" and, on a second line, the OpenSSL library actually loaded (which may be a
/// newer 3.x than the headers the build saw).
std::string version_text()
{
    std::string text = "openrsp " OPENRSP_VERSION;
    if (!std::string_view(OPENRSP_GIT_COMMIT).empty()) text += " (git " OPENRSP_GIT_COMMIT ")";
    text += '\n';
    text += OpenSSL_version(OPENSSL_VERSION);
    return text;
}

} // namespace

} // namespace openrsp::cli

int main(int argc, char** argv)
{
    CLI::App app{"OpenRSP: GSMA SGP.22 consumer eSIM remote provisioning (LPA, SM-DP+, virtual eUICC)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", openrsp::cli::version_text,
                         "Print the version, git commit and OpenSSL, then exit");
    openrsp::cli::register_pki(app);
    openrsp::cli::register_euicc(app);
    openrsp::cli::register_smdpp(app);
    openrsp::cli::register_lpa(app);
    openrsp::cli::register_netsim(app);
    openrsp::cli::register_demo(app);
    app.add_subcommand("version", "Print the version, git commit and OpenSSL (same as --version)")->callback([] {
        std::puts(openrsp::cli::version_text().c_str());
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help is a ParseError with exit 0; every real usage error exits 2, as `lpa` documents.
        return app.exit(e) == 0 ? 0 : 2;
    } catch (const openrsp::cli::exit_status& e) {
        return e.code;
    } catch (const openrsp::cli::command_error& e) {
        std::fprintf(stderr, "error: %s\n", e.message.c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
