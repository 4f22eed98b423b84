/* test_parse.c: the model-file parser: canonical input names, defaults, and
 * every malformed file in tests/models/bad/ failing at its stated place.
 * Each bad file starts with "# expect: LINE:COL: TEXT": the error must be
 * "PATH:LINE:COL: ..." and contain TEXT. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "bcsim/model.h"
#include "check.h"
#include "load.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_bad_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char first[512] = "";
    if (!fp || !fgets(first, sizeof first, fp)) {
        fprintf(stderr, "%s: cannot read\n", path);
        check_failed++;
        if (fp)
            fclose(fp);
        return;
    }
    fclose(fp);
    int line = 0, col = 0, used = 0;
    if (sscanf(first, "# expect: %d:%d: %n", &line, &col, &used) != 2 || used == 0) {
        fprintf(stderr, "%s: first line must be '# expect: LINE:COL: TEXT'\n", path);
        check_failed++;
        return;
    }
    char *text = first + used;
    text[strcspn(text, "\r\n")] = '\0';

    bc_error err;
    bc_error_clear(&err);
    bc_model *m = NULL;
    int rc = bc_model_load_file(path, &m, &err);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path, line, col);
    int ok = rc == BC_EINVAL && m == NULL && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
             strstr(err.msg, text) != NULL;
    if (ok)
        check_passed++;
    else {
        check_failed++;
        fprintf(stderr, "%s: want rc %d and '%s...%s', got rc %d and '%s'\n", path, BC_EINVAL,
                prefix, text, rc, err.msg);
    }
    bc_model_free(m);
}

static void test_bad_files(void)
{
    const char *dir = BCSIM_TEST_DIR "/models/bad";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) {
            names[n] = malloc(strlen(dir) + len + 2);
            sprintf(names[n], "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        check_bad_file(names[i]);
        free(names[i]);
    }
    printf("%zu malformed model files checked\n", n);
    CHECK(n >= 20);
}


static void test_names_and_defaults(void)
{
    bc_model *m = load("model: t\n"
                       "unemployment: {drift: 0.01, volatility: 0.1}\n"
                       "proposals:\n"
                       "  - id: a\n"
                       "    investment: 1\n"
                       "    participants: 10\n"
                       "    effect: {dist: uniform, min: 0, max: 0.2}\n"
                       "    duration: 1\n"
                       "    unit_cost: 100000\n"
                       "    savings:\n"
                       "      - {name: extra, per: year, amount: 0.5}\n");
    CHECK(m != NULL);
    if (!m)
        return;
    /* defaults: MODEL.md section 1 and section 3 */
    CHECK_INT(bc_model_start_year(m), 2026);
    CHECK_INT(bc_model_years(m), 5);
    CHECK_NEAR(bc_model_discount_rate(m), 0, 0);
    static const char *const want[] = {
        "unemployment.drift", "unemployment.shocks", "a.investment", "a.participants",
        "a.effect",           "a.elasticity",        "a.start",      "a.duration",
        "a.unit_cost",        "a.savings.extra"};
    CHECK_INT(bc_model_n_inputs(m), 10);
    for (size_t i = 0; i < 10 && i < bc_model_n_inputs(m); i++)
        CHECK(strcmp(bc_model_input(m, i)->name, want[i]) == 0);
    CHECK_INT(bc_model_input(m, 1)->dim, 5);
    CHECK_INT(bc_model_dim(m), 14);
    CHECK_INT(bc_model_find_input(m, "a.effect"), 4);
    CHECK_INT(bc_model_find_input(m, "a.efect"), -1);
    /* effect is uniform: base defaults to the mean */
    CHECK_NEAR(bc_model_input(m, 4)->dist.base, 0.1, 1e-15);
    CHECK_INT(bc_model_input(m, 4)->line, 7);
    CHECK_INT(bc_model_input(m, 4)->col, 13);
    CHECK_INT(bc_model_n_outputs(m), 2);
    CHECK(strcmp(bc_model_output_id(m, 0), "a") == 0);
    CHECK(strcmp(bc_model_output_name(m, 0), "a") == 0);
    CHECK(strcmp(bc_model_output_id(m, 1), "portfolio") == 0);
    CHECK(strcmp(bc_model_id(m), "t") == 0);
    CHECK(strcmp(bc_model_title(m), "t") == 0);
    bc_model_free(m);

    /* no volatility: no shocks input */
    m = load("model: t\nproposals:\n  - {id: a, investment: 1, participants: 1, effect: 0.1,"
             " duration: 1, unit_cost: 1}\n");
    CHECK(m != NULL);
    if (m) {
        CHECK_INT(bc_model_find_input(m, "unemployment.shocks"), -1);
        CHECK_INT(bc_model_n_inputs(m), 8);
    }
    bc_model_free(m);
}

static void test_default_model(void)
{
    bc_error err;
    bc_model *m = NULL;
    int rc = bc_model_load_file(BCSIM_MODELS_DIR "/aarhus-2026.yaml", &m, &err);
    CHECK_INT(rc, BC_OK);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT(bc_model_n_outputs(m), 4);
    CHECK(strcmp(bc_model_output_id(m, 0), "academics") == 0);
    CHECK(strcmp(bc_model_output_id(m, 1), "sick") == 0);
    CHECK(strcmp(bc_model_output_id(m, 2), "igu") == 0);
    CHECK(bc_model_n_correlations(m) >= 1);
    for (size_t i = 0; i < bc_model_n_correlations(m); i++) {
        const bc_correlation *c = bc_model_correlation(m, i);
        CHECK(c->a != c->b);
        CHECK(bc_dist_is_random(&bc_model_input(m, c->a)->dist));
    }
    CHECK(strstr(bc_model_text(m), "model: aarhus-2026") != NULL);
    bc_model_free(m);
}

/* Files the parser must refuse without a position inside the file. */
static void test_unreadable(void)
{
    bc_error err;
    bc_model *m = NULL;
    CHECK_INT(bc_model_load_file(BCSIM_TEST_DIR "/models/does-not-exist.yaml", &m, &err),
              BC_EIO);
    CHECK_HAS(err.msg, "does-not-exist.yaml: cannot open");
    CHECK(m == NULL);
}

int main(void)
{
    test_bad_files();
    test_names_and_defaults();
    test_default_model();
    test_unreadable();
    return check_finish();
}
