// Checks of an export's --output before any work, and the option named in the export's own
// output failures: every export's output error names --output, the value and the reason
// ("--output: cannot create 'rodir/i': its folder 'rodir': Permission denied").
#pragma once

#include <string>

#include "panic/cli/command.h"
#include "panic/core/status.h"

namespace panic::cli {

// --output of a command that writes one file: InvalidArgument when it is a folder, IOError
// when its folder is missing or not writable by this process (it failed after the work with
// "cannot write 'x': cannot create a file in 'd': …", without the option).
Status CheckOutputFile(const std::string& output);

// --output of a command that writes into a folder (created with its parents when missing):
// InvalidArgument when it is a file (it failed after the work with "cannot create 'x': Not a
// directory"), IOError when it, or the nearest folder it would be created in, is not
// writable (it said "cannot create 'rodir/i': Permission denied", without the option).
Status CheckOutputFolder(const std::string& dir);

// An explicit --format against the extension of --output, before any work: InvalidArgument
// naming both when the extension is another of the file formats the commands write
// ("--format parquet contradicts --output 'd.csv' (a .csv file)"; it wrote Parquet into
// d.csv). The file formats: csv, json, npy, npz, parquet, and the images' and drawings' png,
// jpg (= jpeg), webp, svg, pdf — also for a folder --output (`export images --format png
// --output x.jpg` made a folder x.jpg of PNG files). A file without an extension or with an
// unknown one is allowed, and so is a format that names no file type (text, table). `by_json`: the format came from --json, so
// the message names that option.
Status CheckFormatAgainstOutput(const std::string& format, const std::string& output, bool by_json = false);
// CheckFormatAgainstOutput for a command's parsed options, before any work: only when an
// --output was given and the format was chosen explicitly (--format, or `json` for --json).
Status CheckExplicitFormat(const ParsedArgs& args, bool json, const std::string& format);

// A failure of the export itself that names the output (a disk that filled up, a folder
// made read-only during the work) names the option too: an I/O error whose message quotes
// `output` or a file under it gets the "--output: " prefix; any other status is returned as
// it is.
Status OutputError(const Status& st, const std::string& output);

}  // namespace panic::cli
