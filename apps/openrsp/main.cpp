// openrsp: one command line for every party of SGP.22 consumer RSP.
#include "cmd/common.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace openrsp::cli {

result<std::string> read_text_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace openrsp::cli

int main(int argc, char** argv)
{
    CLI::App app{"OpenRSP: GSMA SGP.22 consumer eSIM remote provisioning (LPA, SM-DP+, virtual eUICC)"};
    app.require_subcommand(1);
    openrsp::cli::register_pki(app);
    openrsp::cli::register_euicc(app);
    openrsp::cli::register_smdpp(app);
    openrsp::cli::register_lpa(app);
    openrsp::cli::register_netsim(app);
    openrsp::cli::register_demo(app);
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
