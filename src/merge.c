/* merge.c: when a checkpoint or a shard is of a study, and shards joined into
 * the run they are parts of (include/bcsim/merge.h). */
#include "bcsim/merge.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/sampler.h"

/* What can differ between two records of a study, in the order compared. */
typedef enum study_diff {
    SAME_STUDY,
    DIFF_TEXT,
    DIFF_OVERRIDES,
    DIFF_SEED,
    DIFF_RUNS,
    DIFF_SAMPLER,
    DIFF_BLOCK,
    DIFF_PACKAGES,
    DIFF_VERSION,
    DIFF_SHARDS
} study_diff;

/* One side of a comparison: a state file (f), or a model and configuration. */
typedef struct record {
    const bc_state_file *f; /* or NULL: then m and cfg */
    const bc_model *m;
    const bc_run_config *cfg;
} record;

static record file_record(const bc_state_file *f)
{
    return (record){f, NULL, &f->cfg};
}

static const char *rec_text(const record *r)
{
    return r->f ? r->f->model_text : bc_model_text(r->m);
}

static size_t rec_n_overrides(const record *r)
{
    return r->f ? r->f->n_overrides : bc_model_n_overrides(r->m);
}

static const char *rec_override(const record *r, size_t k)
{
    return r->f ? r->f->overrides[k] : bc_model_override(r->m, k);
}

static const char *rec_version(const record *r)
{
    return r->f ? r->f->version : BCSIM_VERSION;
}

/* The first difference between a and b (shard counts only when both are files). */
static study_diff compare(const record *a, const record *b)
{
    const bc_run_config *x = a->cfg, *y = b->cfg;
    const size_t n = rec_n_overrides(a);
    if (strcmp(rec_text(a), rec_text(b)) != 0)
        return DIFF_TEXT;
    if (n != rec_n_overrides(b))
        return DIFF_OVERRIDES;
    if (x->seed != y->seed)
        return DIFF_SEED;
    if (x->runs != y->runs)
        return DIFF_RUNS;
    if (x->sampler != y->sampler)
        return DIFF_SAMPLER;
    if (bc_run_config_block(x) != bc_run_config_block(y))
        return DIFF_BLOCK;
    const bc_package_rules *p = &x->packages, *q = &y->packages;
    if (p->mode != q->mode || memcmp(&p->max_loss_prob, &q->max_loss_prob, sizeof(double)) ||
        memcmp(&p->budget, &q->budget, sizeof(double)) || p->require != q->require ||
        p->exclude != q->exclude)
        return DIFF_PACKAGES;
    if (strcmp(rec_version(a), rec_version(b)) != 0)
        return DIFF_VERSION;
    if (a->f && b->f && a->f->shards != b->f->shards)
        return DIFF_SHARDS;
    for (size_t k = 0; k < n; k++)
        if (strcmp(rec_override(a, k), rec_override(b, k)) != 0)
            return DIFF_OVERRIDES;
    return SAME_STUDY;
}

int bc_merge_check_kind(const bc_state_file *f, const char *path, const char *kind, bc_error *err)
{
    if (strcmp(f->kind, kind) != 0)
        return bc_error_set(err, BC_EINVAL, "%s is a %s, not a %s", path, f->kind, kind);
    return BC_OK;
}

int bc_merge_check_checkpoint(const bc_state_file *f, const char *path, const bc_model *m,
                              const bc_run_config *cfg, bc_error *err)
{
    int rc = bc_merge_check_kind(f, path, "checkpoint", err);
    if (rc)
        return rc;
    const record a = file_record(f), b = {NULL, m, cfg};
    const bc_run_config *x = &f->cfg;
    char why[200] = "";
    switch (compare(&a, &b)) {
    case SAME_STUDY:
    case DIFF_SHARDS: /* not compared against a model */
        return BC_OK;
    case DIFF_TEXT:
        snprintf(why, sizeof why, "the model file's text differs");
        break;
    case DIFF_OVERRIDES:
        snprintf(why, sizeof why, "the --set overrides differ");
        break;
    case DIFF_SEED:
        snprintf(why, sizeof why, "seed %llu, not %llu", (unsigned long long)x->seed,
                 (unsigned long long)cfg->seed);
        break;
    case DIFF_RUNS:
        snprintf(why, sizeof why, "%llu runs, not %llu", (unsigned long long)x->runs,
                 (unsigned long long)cfg->runs);
        break;
    case DIFF_SAMPLER:
        snprintf(why, sizeof why, "sampler %s, not %s", bc_sampler_kind_name(x->sampler),
                 bc_sampler_kind_name(cfg->sampler));
        break;
    case DIFF_BLOCK:
        snprintf(why, sizeof why, "blocks of %llu runs, not %llu", (unsigned long long)x->block,
                 (unsigned long long)bc_run_config_block(cfg));
        break;
    case DIFF_PACKAGES:
        snprintf(why, sizeof why,
                 "other package rules (--packages, --max-loss-probability, --budget, --require, "
                 "--exclude)");
        break;
    case DIFF_VERSION:
        snprintf(why, sizeof why, "written by bcsim %s, this is %s", f->version, BCSIM_VERSION);
        break;
    }
    return bc_error_set(err, BC_EINVAL, "the checkpoint %s is from another model or setting: %s",
                        path, why);
}

int bc_merge_append(const bc_model *m, const bc_run_config *cfg, const void *bytes, size_t len,
                    bc_run_state **all, bc_error *err)
{
    bc_run_state *piece = NULL;
    int rc = bc_run_state_unpack(m, cfg, bytes, len, &piece, err);
    if (!rc && !*all) {
        *all = piece;
        return BC_OK;
    }
    if (!rc)
        rc = bc_run_state_append(*all, piece, err);
    bc_run_state_free(piece);
    return rc;
}

/* Every file a shard of the study of f[0]. */
static int check_same_study(const bc_state_file *f, const char *const *paths, size_t n,
                            bc_error *err)
{
    /* what a shard of another study belongs to, by study_diff */
    static const char *const other[] = {[DIFF_TEXT] = "another model file",
                                        [DIFF_OVERRIDES] = "other --set overrides",
                                        [DIFF_SEED] = "another seed",
                                        [DIFF_RUNS] = "another number of runs",
                                        [DIFF_SAMPLER] = "another sampler",
                                        [DIFF_BLOCK] = "another block size",
                                        [DIFF_PACKAGES] = "other package rules",
                                        [DIFF_VERSION] = "another bcsim version",
                                        [DIFF_SHARDS] = "another number of shards"};
    int rc = BC_OK;
    for (size_t k = 0; !rc && k < n; k++)
        rc = bc_merge_check_kind(&f[k], paths[k], "shard", err);
    const record a = file_record(&f[0]);
    for (size_t k = 1; !rc && k < n; k++) {
        const record b = file_record(&f[k]);
        study_diff d = compare(&a, &b);
        if (d != SAME_STUDY)
            rc = bc_error_set(err, BC_EINVAL, "%s belongs to %s than %s", paths[k], other[d],
                              paths[0]);
    }
    return rc;
}

/* order[i] = 1 + the index in f of shard i of N = f[0].shards, each exactly
 * once. order has N entries (at least 1), the caller's to free. */
static int shard_order(const bc_state_file *f, const char *const *paths, size_t n, size_t **order,
                       bc_error *err)
{
    const uint64_t N = f[0].shards;
    size_t *o = bc_calloc(N ? N : 1, sizeof *o);
    int rc = o ? BC_OK : bc_error_set(err, BC_ENOMEM, "out of memory");
    for (size_t k = 0; !rc && k < n; k++) {
        uint64_t i = f[k].shard;
        if (i >= N)
            rc = bc_error_set(err, BC_EINVAL, "%s says it is shard %llu of %llu", paths[k],
                              (unsigned long long)i, (unsigned long long)N);
        else if (o[i])
            rc = bc_error_set(err, BC_EINVAL, "%s and %s are both shard %llu/%llu", paths[o[i] - 1],
                              paths[k], (unsigned long long)i, (unsigned long long)N);
        else
            o[i] = k + 1;
    }
    for (uint64_t i = 0; !rc && i < N; i++)
        if (!o[i])
            rc = bc_error_set(err, BC_EINVAL, "shard %llu/%llu is missing", (unsigned long long)i,
                              (unsigned long long)N);
    *order = o;
    return rc;
}

int bc_merge_shards(const bc_state_file *f, const char *const *paths, size_t n, bc_model **m,
                    bc_summary **out, bc_error *err)
{
    *m = NULL;
    *out = NULL;
    if (n == 0)
        return bc_error_set(err, BC_EINVAL, "no shards to merge");
    size_t *order = NULL;
    bc_run_state *all = NULL;
    int rc = check_same_study(f, paths, n, err);
    if (!rc)
        rc = shard_order(f, paths, n, &order, err);
    if (!rc)
        rc = bc_model_load_record(f[0].model_text, f[0].model_file, f[0].overrides,
                                  f[0].n_overrides, m, err);
    for (uint64_t i = 0; !rc && i < f[0].shards; i++) {
        const size_t k = order[i] - 1;
        rc = bc_merge_append(*m, &f[0].cfg, f[k].bytes, f[k].len, &all, err);
        if (rc) {
            char msg[BC_ERRMSG_SIZE];
            snprintf(msg, sizeof msg, "%s", bc_errmsg(err));
            bc_error_set(err, rc, "%s: %s", paths[k], msg);
        }
    }
    if (!rc)
        rc = bc_engine_finish(all, out, err);
    bc_run_state_free(all);
    bc_free(order);
    if (rc) {
        bc_model_free(*m);
        *m = NULL;
    }
    return rc;
}
