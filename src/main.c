/* main.c: the bcsim command line. Turns statuses into messages and exit
 * codes: 0 success, 2 bad usage or bad input, 1 any other failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/error.h"
#include "bcsim/model.h"
#include "bcsim/report.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *const main_usage =
    "usage: bcsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo sensitivity simulator for public investment business cases.\n"
    "\n"
    "Commands:\n"
    "  base MODEL [--csv]   print the deterministic base case of a model file\n"
    "\n"
    "Options:\n"
    "  -h, --help           show this help (bcsim COMMAND --help for a command)\n"
    "  --version            print the version\n"
    "\n"
    "Exit status: 0 success, 2 bad usage or bad input, 1 other failures.\n";

static const char *const base_usage =
    "usage: bcsim base MODEL [--csv]\n"
    "\n"
    "Evaluate the model file MODEL with every input at its base value and the\n"
    "unemployment shocks at 0, and print per proposal and the portfolio, per year:\n"
    "full-year persons saved, investment, benefit savings, other savings and gain\n"
    "(mDKK), then the horizon averages as in the seed's overview table.\n"
    "\n"
    "Options:\n"
    "  --csv        print CSV instead, header\n"
    "               output,year,fte,investment,benefit_savings,other_savings,gain\n"
    "  -h, --help   show this help\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "bcsim%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'bcsim %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

/* Exit code for a library status from reading input. */
static int input_status(int rc)
{
    return rc == BC_ENOMEM || rc == BC_EINTERNAL ? EXIT_FAIL : EXIT_USAGE;
}

static int cmd_base(int argc, char **argv)
{
    const char *path = NULL;
    int csv = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(base_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("base", "unknown option '%s'", argv[i]);
        } else if (!path) {
            path = argv[i];
        } else {
            return usage_error("base", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!path)
        return usage_error("base", "%s", "missing the model file");

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    int rc = bc_model_load_file(path, &m, &err);
    if (rc) {
        fprintf(stderr, "bcsim: %s\n", bc_errmsg(&err));
        return input_status(rc);
    }
    rc = csv ? bc_report_base_csv(stdout, m, &err) : bc_report_base_text(stdout, m, &err);
    bc_model_free(m);
    if (rc) {
        fprintf(stderr, "bcsim: %s\n", bc_errmsg(&err));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "%s", "missing a command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("bcsim %s\n", BCSIM_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "base") == 0)
        return cmd_base(argc - 1, argv + 1);
    return usage_error(NULL, "unknown command '%s'", cmd);
}
