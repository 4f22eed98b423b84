/* state_file.c: the files of a run's partial state, checkpoints (for
 * bcsim run --resume) and shards (for bcsim merge): written with the root
 * attributes of a run and the packed state, read back with the study's
 * identity (docs/hdf5-layout.md). */
#define _POSIX_C_SOURCE 200809L

#include "bcsim/results.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc_int.h"
#include "bcsim/sampler.h"
#include "h5util_int.h"
#include "results_int.h"
#include "results_write_int.h"
#include "strutil_int.h"

/* What a checkpoint or shard file holds. */
typedef struct state_contents {
    const bc_model *m;
    const bc_run_config *cfg;
    const bc_run_state *s;
    const char *kind;
    uint64_t shard, shards;
    const char *command_line;
    const void *bytes;
    size_t len;
} state_contents;

static int write_state_contents(const bc_h5ctx *c, const void *data)
{
    const state_contents *sc = data;
    const bc_results_study st = {sc->kind,
                                 sc->cfg->seed,
                                 sc->cfg->runs,
                                 bc_run_config_block(sc->cfg),
                                 bc_sampler_kind_name(sc->cfg->sampler),
                                 sc->command_line,
                                 NAN,
                                 &sc->cfg->packages};
    const hid_t r = c->root;
    const char *o = "the root group";
    hsize_t n = sc->len;
    int rc;
    (void)((rc = bc_results_write_root(c, sc->m, &st)) ||
           (rc = bc_h5_attr_u64(c, r, o, "shard", sc->shard)) ||
           (rc = bc_h5_attr_u64(c, r, o, "shards", sc->shards)) ||
           (rc = bc_h5_attr_u64(c, r, o, "segments", bc_run_state_segments(sc->s))) ||
           (rc = bc_h5_attr_u64(c, r, o, "segment_first", bc_run_state_first(sc->s))) ||
           (rc = bc_h5_attr_u64(c, r, o, "segment_next", bc_run_state_next(sc->s))) ||
           (rc = bc_h5_group(c, "/state",
                             "The accumulated state of the run's segments segment_first to "
                             "segment_next - 1, for bcsim merge or bcsim run --resume.")) ||
           (rc =
                bc_h5_dset(c, "/state/bytes", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, &n, sc->bytes, "1",
                           "The run state as little-endian words (bc_run_state_pack): segment "
                           "partials, histograms and counts.",
                           0, NULL)));
    return rc;
}

int bc_results_write_state(const char *path, const bc_model *m, const bc_run_config *cfg,
                           const bc_run_state *s, const char *kind, uint64_t shard, uint64_t shards,
                           int force, const char *command_line, bc_error *err)
{
    int rc = bc_results_check_path(path, force, err);
    if (rc)
        return rc;
    void *bytes = NULL;
    size_t len = 0;
    if ((rc = bc_run_state_pack(s, &bytes, &len, err)))
        return rc;
    const state_contents sc = {m, cfg, s, kind, shard, shards, command_line, bytes, len};
    rc = bc_results_write_file(path, force, err, write_state_contents, &sc);
    bc_free(bytes);
    return rc;
}

void bc_state_file_clear(bc_state_file *f)
{
    if (!f)
        return;
    bc_free(f->model_text);
    bc_free(f->model_file);
    bc_strs_free(f->overrides, f->n_overrides);
    bc_free(f->kind);
    bc_free(f->version);
    bc_free(f->bytes);
    memset(f, 0, sizeof *f);
}

int bc_results_read_state(const char *path, bc_state_file *f, bc_error *err)
{
    memset(f, 0, sizeof *f);
    int rc = bc_results_read_identity(path, "state", &f->model_text, &f->model_file, &f->overrides,
                                      &f->n_overrides, &f->cfg, err);
    if (rc)
        return rc;
    bc_h5ctx c = bc_h5ctx_init(path, err);
    bc_h5quiet q = {0};
    if ((rc = bc_h5_quiet_on(&q, &c)) || (rc = bc_h5_open_read(&c)))
        goto done;
    if ((rc = bc_h5_attr_read_str(&c, "study", &f->kind)) ||
        (rc = bc_h5_attr_read_str(&c, "bcsim_version", &f->version)) ||
        (rc = bc_h5_attr_read_int(&c, "shard", H5T_NATIVE_UINT64, &f->shard)) ||
        (rc = bc_h5_attr_read_int(&c, "shards", H5T_NATIVE_UINT64, &f->shards)) ||
        (rc = bc_h5_attr_read_int(&c, "segment_first", H5T_NATIVE_UINT64, &f->segment_first)) ||
        (rc = bc_h5_attr_read_int(&c, "segment_next", H5T_NATIVE_UINT64, &f->segment_next)))
        goto done;
    rc = bc_h5_read_stored_bytes(&c, "/state/bytes", &f->bytes, &f->len);
done:
    rc = bc_h5_close_read(&c, rc);
    bc_h5_quiet_off(&q);
    if (rc)
        bc_state_file_clear(f);
    return rc;
}
