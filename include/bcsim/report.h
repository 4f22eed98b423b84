/* report.h: human-readable and CSV reports of a model's base case. */
#ifndef BCSIM_REPORT_H
#define BCSIM_REPORT_H

#include <stdio.h>

#include "bcsim/error.h"
#include "bcsim/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Evaluate the base case of `m` (every input at its base, shocks 0) and write
 * it to `fp`: per output and year the full-year persons saved, investment,
 * benefit savings, other savings and gain, then the horizon averages beside
 * the columns of the seed's overview table. Money in mDKK.
 * Returns BC_OK, BC_ENOMEM, or BC_EIO when writing fails. */
int bc_report_base_text(FILE *fp, const bc_model *m, bc_error *err);

/* The same as CSV, header
 * "output,year,fte,investment,benefit_savings,other_savings,gain", one row
 * per output (proposal id or "portfolio") and calendar year. Numbers are
 * written with the fewest digits that read back exactly. */
int bc_report_base_csv(FILE *fp, const bc_model *m, bc_error *err);

#ifdef __cplusplus
}
#endif
#endif
