/*
 * resr-inspect FILE...: what a checkpoint holds, as the loader sees it. Exits 1 if any
 * file fails to load (the loader's message goes to stderr).
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static void print_count(const char *label, int64_t n)
{
    char digits[32], grouped[48];
    int len = snprintf(digits, sizeof(digits), "%lld", (long long)n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            grouped[o++] = ',';
        grouped[o++] = digits[i];
    }
    grouped[o] = 0;
    printf("  %-18s %s\n", label, grouped);
}

static void inspect(const char *path, const ResrModel *m)
{
    printf("%s\n", path);
    printf("  %-18s %s\n", "arch:", resr_arch_name(m->arch));
    printf("  %-18s %d\n", "scale:", m->scale);
    printf("  %-18s %d\n", "num_feat:", m->num_feat);
    if (m->arch == RESR_ARCH_RRDBNET) {
        printf("  %-18s %d\n", "num_block:", m->num_block);
        printf("  %-18s %d\n", "num_grow_ch:", m->num_grow_ch);
        printf("  %-18s %d\n", "unshuffle:", m->unshuffle);
    } else {
        printf("  %-18s %d\n", "num_conv:", m->num_conv);
    }
    print_count("params:", m->num_params);
    printf("  %-18s %.2f\n", "MFLOP/input pixel:", resr_model_flops_per_input_pixel(m) / 1e6);
    printf("  %-18s %d input pixels\n", "receptive radius:", m->receptive_radius);
    printf("  %-18s %s%s%s, %s\n", "stored as:", m->source_format,
           m->source_container[0] ? " " : "", m->source_container, m->source_dtype);
}

int main(int argc, char **argv)
{
    int status = 0;

    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: resr-inspect FILE...\n"
                        "Loads Real-ESRGAN checkpoints (.pth or .safetensors) and prints their "
                        "architecture.\n");
        return argc < 2 ? 1 : 0;
    }
    for (int i = 1; i < argc; i++) {
        ResrModel *m = NULL;
        char err[512];
        if (resr_model_load(&m, argv[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "resr-inspect: %s\n", err);
            status = 1;
            continue;
        }
        inspect(argv[i], m);
        resr_model_free(&m);
    }
    return status;
}
