/* cmd_report.c: bcsim summary and bcsim export: a result file shown as a
 * readable report, or written as CSV files. */
#include <stdio.h>

#include "bcsim/results.h"
#include "cli_int.h"

static const cli_command summary_cmd = {
    "summary",
    "usage: bcsim summary FILE.h5\n"
    "\n"
    "Print a readable report of the result file FILE.h5 (from bcsim run or bcsim\n"
    "sobol): the model, how and when the study was made and, per proposal and for\n"
    "the portfolio, the average annual gain (mean, P5, P50, P95 in mDKK/year), the\n"
    "probabilities of breaking even and of losing more than 1 mDKK a year, the most\n"
    "likely break-even year, and the three inputs that drive each output most.\n",
    NULL, 11};

static const cli_command export_cmd = {
    "export",
    "usage: bcsim export FILE.h5 --csv DIR [--force]\n"
    "\n"
    "Write the result file FILE.h5 as tidy CSV files (long format, one header row,\n"
    "UTF-8) into the folder DIR, created if missing: summary.csv, gain_by_year.csv,\n"
    "break_even_year.csv, histograms.csv, sensitivity.csv and inputs.csv, those the\n"
    "file has data for (docs/csv-export.md describes them). Prints the paths written.\n",
    NULL, 11};

/* Read the result file `path` (probe_load); prints the message. An exit
 * status, EXIT_OK when *r is loaded. */
static int load(const char *path, bc_results_file **r)
{
    bc_error err;
    bc_error_clear(&err);
    int rc = probe_load(path, r, &err);
    return rc ? say_failure(&err, input_status(rc)) : EXIT_OK;
}

int cmd_summary(int argc, char **argv)
{
    const char *path = NULL;
    const cli_option opts[] = {OPT_ARG(&path), OPT_END()};
    int rc = cli_parse(&summary_cmd, opts, argc, argv);
    if (rc != CLI_GO)
        return rc;
    if (!path)
        return usage_error("summary", "%s", "missing the result file");

    bc_results_file *r = NULL;
    if ((rc = load(path, &r)))
        return rc;
    bc_error err;
    bc_error_clear(&err);
    rc = bc_results_summary(r, stdout, &err);
    bc_results_free(r);
    return rc ? say_failure(&err, EXIT_FAIL) : EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    const char *path = NULL, *dir = NULL;
    int force = 0;
    const cli_option opts[] = {
        OPT_NONEMPTY(NULL, "--csv", &dir, "DIR", "--csv: the folder name is empty",
                     "the folder to write to"),
        OPT_FLAG(NULL, "--force", &force, "replace existing files of the same names"),
        OPT_ARG(&path),
        OPT_END(),
    };
    int rc = cli_parse(&export_cmd, opts, argc, argv);
    if (rc != CLI_GO)
        return rc;
    if (!path)
        return usage_error("export", "%s", "missing the result file");
    if (!dir)
        return usage_error("export", "%s", "missing --csv DIR");

    bc_results_file *r = NULL;
    if ((rc = load(path, &r)))
        return rc;
    bc_error err;
    bc_error_clear(&err);
    rc = bc_results_export_csv(r, dir, force, stdout, &err);
    bc_results_free(r);
    if (rc)
        return say_failure(&err, output_status(rc));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        say("writing the list of files failed");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
