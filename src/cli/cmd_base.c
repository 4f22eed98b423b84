/* cmd_base.c: bcsim base: the deterministic base case of a model file. */
#include <stdio.h>

#include "bcsim/model.h"
#include "bcsim/report.h"
#include "cli_int.h"

static const cli_command base_cmd = {
    "base",
    "usage: bcsim base MODEL [--csv]\n"
    "\n"
    "Evaluate the model file MODEL with every input at its base value and the\n"
    "unemployment shocks at 0, and print per proposal and the portfolio, per year:\n"
    "full-year persons saved, investment, benefit savings, other savings and gain\n"
    "(mDKK), then the horizon averages as in the seed's overview table.\n",
    NULL, 11};

int cmd_base(int argc, char **argv)
{
    const char *path = NULL;
    int csv = 0;
    const cli_option opts[] = {
        OPT_FLAG(NULL, "--csv", &csv,
                 "print CSV instead, header\n"
                 "output,year,fte,investment,benefit_savings,other_savings,gain"),
        OPT_ARG(&path),
        OPT_END(),
    };
    int rc = cli_parse(&base_cmd, opts, argc, argv);
    if (rc != CLI_GO)
        return rc;
    if (!path)
        return usage_error("base", "%s", "missing the model file");

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    rc = bc_model_load_file(path, &m, &err);
    if (!rc && (rc = bc_model_check_finite(m, &err)))
        bc_model_free(m);
    if (rc)
        return say_failure(&err, input_status(rc));
    rc = csv ? bc_report_base_csv(stdout, m, &err) : bc_report_base_text(stdout, m, &err);
    bc_model_free(m);
    return rc ? say_failure(&err, EXIT_FAIL) : EXIT_OK;
}
