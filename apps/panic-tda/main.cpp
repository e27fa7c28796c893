#include "panic/cli/command.h"

int main(int argc, char** argv) { return panic::cli::Main(argc, argv); }
