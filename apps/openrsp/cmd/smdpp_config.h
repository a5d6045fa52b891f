#pragma once
// `smdpp serve --config FILE.toml`: every serve option read from a TOML file, the command line winning over it.

#include <CLI/CLI.hpp>

#include <string>

namespace openrsp::cli {

/// Adds `--config FILE` to `cmd`. Keys are the long option names without dashes, at the top level or in a `[serve]`
/// or `[smdpp.serve]` table; values are TOML strings, integers, booleans (flags) and arrays of strings (repeatable
/// options). The file fills only options the command line left unset, before `cmd`'s requirements are checked, and
/// an unknown key or a wrong type ends the command with one sentence naming the key and its line.
void add_config_option(CLI::App& cmd);

/// The options of `cmd` that have a value (given, read from --config, or defaulted), as a TOML document that
/// --config accepts back. Flags that are off and options without a value are left out.
std::string effective_config(const CLI::App& cmd);

} // namespace openrsp::cli
