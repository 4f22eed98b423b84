/* test_merge.c: the pieces of a run joined into the whole (bcsim/merge.h):
 * shard ranges without overflow, a model rebuilt from its record, the
 * identity rule of checkpoints and shards with each of its messages, and
 * shards in any order joined into the summary of the run in one piece. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/engine.h"
#include "bcsim/merge.h"
#include "bcsim/model.h"
#include "check.h"

__extension__ typedef unsigned __int128 u128;

/* Shares of the segments: consecutive, covering all, floor(S i / n) exactly. */
static void test_shard_range(void)
{
    bc_run_config cfg = {.runs = 30001, .block = 64}; /* 8 segments of 4096 runs */
    uint64_t a = 0, b = 0;
    bc_engine_shard_range(&cfg, 0, 1, &a, &b);
    CHECK_INT(a, 0);
    CHECK_INT(b, 8);
    const uint64_t cut[4] = {0, 2, 5, 8};
    for (uint64_t i = 0; i < 3; i++) {
        bc_engine_shard_range(&cfg, i, 3, &a, &b);
        CHECK_INT(a, cut[i]);
        CHECK_INT(b, cut[i + 1]);
    }
    for (uint64_t n = 1; n <= 12; n++) { /* more shares than segments too */
        uint64_t end = 0;
        for (uint64_t i = 0; i < n; i++) {
            bc_engine_shard_range(&cfg, i, n, &a, &b);
            CHECK_INT(a, end);
            CHECK(b >= a);
            end = b;
        }
        CHECK_INT(end, 8);
    }
    /* 2^58 segments in 2^32 shares: S i overflows 64 bits, the range does not */
    bc_run_config big = {.runs = UINT64_MAX, .block = 1};
    const uint64_t S = bc_engine_n_segments(&big), n = (uint64_t)1 << 32;
    CHECK(S == ((uint64_t)1 << 58));
    const uint64_t is[3] = {1, 12345677, n - 1};
    for (int k = 0; k < 3; k++) {
        bc_engine_shard_range(&big, is[k], n, &a, &b);
        CHECK(a == (uint64_t)((u128)S * is[k] / n));
        CHECK(b == (uint64_t)((u128)S * (is[k] + 1) / n));
    }
    bc_engine_shard_range(&big, n - 1, n, &a, &b);
    CHECK(b == S);
}

static bc_model *default_model(void)
{
    bc_error err;
    bc_model *m = NULL;
    if (bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err))
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    return m;
}

static void test_load_record(const bc_model *m)
{
    bc_error err;
    bc_model *r = NULL;
    char *ovr[2] = {"igu.investment=5", "sick.effect=pert:0,0.1,0.2"};
    CHECK_INT(bc_model_load_record(bc_model_text(m), "a.yaml", ovr, 2, &r, &err), BC_OK);
    if (r) {
        CHECK(strcmp(bc_model_text(r), bc_model_text(m)) == 0);
        CHECK(strcmp(bc_model_filename(r), "a.yaml") == 0);
        CHECK_INT(bc_model_n_overrides(r), 2);
        CHECK(strcmp(bc_model_override(r, 1), ovr[1]) == 0);
    }
    bc_model_free(r);
    CHECK_INT(bc_model_load_record(bc_model_text(m), "a.yaml", NULL, 0, &r, &err), BC_OK);
    CHECK(r && bc_model_n_overrides(r) == 0);
    bc_model_free(r);
    /* the failing step's message, without a prefix; nothing to free */
    char *bad[1] = {"igu.investmnt=5"};
    CHECK_INT(bc_model_load_record(bc_model_text(m), "a.yaml", bad, 1, &r, &err), BC_EINVAL);
    CHECK(r == NULL);
    CHECK(strncmp(err.msg, "unknown input 'igu.investmnt'", 29) == 0);
    CHECK_INT(bc_model_load_record("model: x\nfrob: 1\n", "b.yaml", NULL, 0, &r, &err), BC_EINVAL);
    CHECK(r == NULL);
    CHECK_HAS(err.msg, "b.yaml:");
}

/* A state file as bcsim run --shard I/N writes it, in memory: segments
 * [a, b) of the run of m and cfg (bytes owned: free them). */
static bc_state_file shard_file(const bc_model *m, const bc_run_config *cfg, uint64_t i, uint64_t n)
{
    bc_state_file f;
    memset(&f, 0, sizeof f);
    f.model_text = (char *)bc_model_text(m);
    f.model_file = "aarhus-2026.yaml";
    f.cfg.runs = cfg->runs;
    f.cfg.seed = cfg->seed;
    f.cfg.sampler = cfg->sampler;
    f.cfg.block = bc_run_config_block(cfg);
    f.kind = "shard";
    f.version = BCSIM_VERSION;
    f.shard = i;
    f.shards = n;
    uint64_t a = 0, b = 0;
    bc_engine_shard_range(cfg, i, n, &a, &b);
    bc_error err;
    bc_run_state *s = NULL;
    if (bc_run_state_alloc(m, cfg, a, 1, &s, &err) || bc_engine_advance(m, cfg, s, b, &err) ||
        bc_run_state_pack(s, &f.bytes, &f.len, &err))
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    bc_run_state_free(s);
    return f;
}

/* The same numbers, bit for bit, in the parts compared here. */
static int same(const bc_summary *a, const bc_summary *b)
{
    const size_t O = a->n_outputs;
    return a->runs == b->runs && O == b->n_outputs &&
           !memcmp(a->avg_gain.mean, b->avg_gain.mean, O * sizeof(double)) &&
           !memcmp(a->avg_gain.sd, b->avg_gain.sd, O * sizeof(double)) &&
           !memcmp(a->avg_gain.q, b->avg_gain.q, O * BC_NQ * sizeof(double)) &&
           !memcmp(a->be_prob, b->be_prob, O * sizeof(double)) &&
           !memcmp(a->reg_cov, b->reg_cov,
                   (a->n_reg_x + a->n_reg_y) * (a->n_reg_x + a->n_reg_y) * sizeof(double));
}

/* Merge files f in the order `idx` (n of them). */
static int merge(const bc_state_file *all, const int *idx, size_t n, bc_summary **sum,
                 bc_error *err)
{
    static const char *const names[] = {"s0.h5", "s1.h5", "s2.h5", "s3.h5", "s4.h5", "s5.h5"};
    bc_state_file f[6];
    const char *paths[6];
    for (size_t k = 0; k < n; k++) {
        f[k] = all[idx[k]];
        paths[k] = names[idx[k]];
    }
    bc_model *m = NULL;
    int rc = bc_merge_shards(f, paths, n, &m, sum, err);
    CHECK(rc ? m == NULL && *sum == NULL : m != NULL && *sum != NULL);
    bc_model_free(m);
    return rc;
}

static void test_shards(const bc_model *m)
{
    bc_error err;
    bc_run_config cfg = {.runs = 30001, .seed = 8, .threads = 2, .block = 64};
    bc_summary *whole = NULL, *joined = NULL;
    CHECK_INT(bc_engine_run(m, &cfg, &whole, &err), BC_OK);
    /* s0..s2: the three shards; s3: shard 2/3 of another seed; s4: 2 of 4; s5 = s1 */
    bc_state_file f[6];
    for (uint64_t i = 0; i < 3; i++)
        f[i] = shard_file(m, &cfg, i, 3);
    bc_run_config seed9 = cfg;
    seed9.seed = 9;
    f[3] = shard_file(m, &seed9, 2, 3);
    f[4] = shard_file(m, &cfg, 2, 4);
    f[5] = f[1];

    const int any_order[3] = {2, 0, 1};
    CHECK_INT(merge(f, any_order, 3, &joined, &err), BC_OK);
    if (whole && joined)
        CHECK(same(whole, joined));
    bc_summary_free(joined);
    joined = NULL;

    const int missing[2] = {0, 2}, twice[4] = {0, 1, 5, 2}, seed[3] = {0, 1, 3}, of4[3] = {0, 1, 4};
    CHECK_INT(merge(f, missing, 2, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "shard 1/3 is missing") == 0);
    CHECK_INT(merge(f, twice, 4, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "s1.h5 and s5.h5 are both shard 1/3") == 0);
    CHECK_INT(merge(f, seed, 3, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "s3.h5 belongs to another seed than s0.h5") == 0);
    CHECK_INT(merge(f, of4, 3, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "s4.h5 belongs to another number of shards than s0.h5") == 0);

    /* a shard that says it is shard 3 of 3; a checkpoint among shards; damaged bytes */
    bc_state_file g[3] = {f[0], f[1], f[2]};
    const char *paths[3] = {"a.h5", "b.h5", "c.h5"};
    bc_model *mm = NULL;
    g[2].shard = 3;
    CHECK_INT(bc_merge_shards(g, paths, 3, &mm, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "c.h5 says it is shard 3 of 3") == 0);
    g[2] = f[2];
    g[1].kind = "checkpoint";
    CHECK_INT(bc_merge_shards(g, paths, 3, &mm, &joined, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "b.h5 is a checkpoint, not a shard") == 0);
    g[1] = f[1];
    g[1].len -= 8;
    CHECK_INT(bc_merge_shards(g, paths, 3, &mm, &joined, &err), BC_EINVAL);
    CHECK(strncmp(err.msg, "b.h5: ", 6) == 0);
    CHECK(mm == NULL && joined == NULL);
    CHECK_INT(bc_merge_shards(g, paths, 0, &mm, &joined, &err), BC_EINVAL);

    /* bc_merge_append: in segment order only, *all kept on failure */
    bc_run_state *all = NULL;
    CHECK_INT(bc_merge_append(m, &cfg, f[0].bytes, f[0].len, &all, &err), BC_OK);
    CHECK_INT(bc_merge_append(m, &cfg, f[2].bytes, f[2].len, &all, &err), BC_EINVAL);
    CHECK(all && bc_run_state_next(all) == 2);
    CHECK_INT(bc_merge_append(m, &cfg, f[1].bytes, f[1].len, &all, &err), BC_OK);
    CHECK_INT(bc_merge_append(m, &cfg, f[2].bytes, f[2].len, &all, &err), BC_OK);
    CHECK(all && bc_run_state_next(all) == 8);
    bc_run_state_free(all);

    for (int i = 0; i < 5; i++)
        free(f[i].bytes);
    bc_summary_free(whole);
}

/* The checkpoint identity: each difference, the first in the documented order. */
static void test_checkpoint(const bc_model *m)
{
    bc_error err;
    bc_run_config cfg = {.runs = 30001, .seed = 8, .block = 64};
    bc_state_file f = shard_file(m, &cfg, 0, 1);
    f.kind = "checkpoint";
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &cfg, &err), BC_OK);
    CHECK_INT(bc_merge_check_kind(&f, "ck.h5", "checkpoint", &err), BC_OK);
    bc_run_config c = cfg;
    c.seed = 9;
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "the checkpoint ck.h5 is from another model or setting: seed 8, not 9") ==
          0);
    c.runs = 5; /* the seed is still named first */
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": seed 8, not 9");
    c = cfg;
    c.runs = 5;
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": 30001 runs, not 5");
    c = cfg;
    c.sampler = BC_SAMPLER_LHS;
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": sampler mc, not lhs");
    c = cfg;
    c.block = 0; /* the default, 2048 */
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": blocks of 64 runs, not 2048");
    f.cfg.block = 0; /* 0 means the default on either side */
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &c, &err), BC_OK);
    f.cfg.block = 64;
    f.version = "0.0.0";
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &cfg, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": written by bcsim 0.0.0, this is " BCSIM_VERSION);
    f.version = BCSIM_VERSION;
    f.model_text = "model: other\n";
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &cfg, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": the model file's text differs");
    f.model_text = (char *)bc_model_text(m);
    char *ovr[1] = {"igu.investment=5"};
    f.overrides = ovr;
    f.n_overrides = 1;
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &cfg, &err), BC_EINVAL);
    CHECK_HAS(err.msg, ": the --set overrides differ");
    bc_model *r = NULL;
    char *other[1] = {"igu.investment=6"};
    CHECK_INT(bc_model_load_record(bc_model_text(m), "a.yaml", other, 1, &r, &err), BC_OK);
    if (r) {
        CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", r, &cfg, &err), BC_EINVAL);
        CHECK_HAS(err.msg, ": the --set overrides differ");
        bc_model_free(r);
    }
    CHECK_INT(bc_model_load_record(bc_model_text(m), "a.yaml", ovr, 1, &r, &err), BC_OK);
    if (r) {
        CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", r, &cfg, &err), BC_OK);
        bc_model_free(r);
    }
    f.kind = "shard";
    CHECK_INT(bc_merge_check_checkpoint(&f, "ck.h5", m, &cfg, &err), BC_EINVAL);
    CHECK(strcmp(err.msg, "ck.h5 is a shard, not a checkpoint") == 0);
    free(f.bytes);
}

int main(void)
{
    test_shard_range();
    bc_model *m = default_model();
    if (m) {
        test_load_record(m);
        test_shards(m);
        test_checkpoint(m);
    }
    bc_model_free(m);
    return check_finish();
}
