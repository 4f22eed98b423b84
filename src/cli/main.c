/* main.c: the bcsim command line: picks the command (src/cli/cmd_*.c).
 * Exit statuses: 0 success, 2 bad usage or bad input, 1 any other failure,
 * 75 stopped with a checkpoint, 130 interrupted (SIGINT, SIGTERM). */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

#ifdef BCSIM_MPI
#include <mpi.h>

#include "mpi_int.h"
#endif

static const char *const main_usage =
    "usage: bcsim COMMAND [OPTIONS]\n"
    "\n"
    "Monte Carlo sensitivity simulator for public investment business cases.\n"
    "\n"
    "Commands:\n"
    "  run MODEL [OPTIONS]  Monte Carlo study of a model file, results to HDF5\n"
    "  sobol MODEL          Sobol' sensitivity indices with intervals\n"
    "  base MODEL [--csv]   print the deterministic base case of a model file\n"
    "  replay FILE --run I  recompute and print one run of a result file\n"
    "  merge SHARD... -o F  join the shards of a run (bcsim run --shard I/N)\n"
    "  summary FILE         print a readable report of a result file\n"
    "  export FILE --csv DIR\n"
    "                       write a result file as tidy CSV files into DIR\n"
    "\n"
    "Options:\n"
    "  -h, --help           show this help (bcsim COMMAND --help for a command)\n"
    "  --version            print the version\n"
    "\n"
    "Exit status: 0 success, 2 bad usage or bad input, 1 other failures,\n"
    "130 interrupted.\n";

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    int mpi; /* divided among MPI ranks; the others are refused under mpirun */
} commands[] = {
    {"base", cmd_base, 0},     {"run", cmd_run, 1},       {"sobol", cmd_sobol, 1},
    {"merge", cmd_merge, 0},   {"replay", cmd_replay, 0}, {"summary", cmd_summary, 0},
    {"export", cmd_export, 0},
};

static int dispatch(int argc, char **argv)
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
    const struct command *c = NULL;
    for (size_t k = 0; !c && k < sizeof commands / sizeof *commands; k++)
        if (strcmp(cmd, commands[k].name) == 0)
            c = &commands[k];
    if (cli_ranks() > 1 && !(c && c->mpi)) {
        if (cli_rank() == 0)
            say("under mpirun only 'bcsim run' and 'bcsim sobol' are divided "
                "among the ranks; run '%s' without mpirun",
                cmd);
        return EXIT_USAGE;
    }
    return c ? c->run(argc, argv) : usage_error(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
#ifdef BCSIM_MPI
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        say("MPI_Init_thread failed");
        return EXIT_FAIL;
    }
    cli_set_ranks(bc_mpi_rank(), bc_mpi_size());
    int rc = dispatch(argc, argv);
    fflush(stdout);
    MPI_Finalize();
    return rc;
#else
    return dispatch(argc, argv);
#endif
}
