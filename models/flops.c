#include "flops.h"

ResrConvCost resr_model_conv_cost(const ResrModel *m, int i, int in_w, int in_h)
{
    const ResrConv3x3 *c = &m->convs[i];
    ResrConvCost cost = { in_w, in_h, 0.0 };

    if (m->arch == RESR_ARCH_RRDBNET) {
        /* 0 conv_body .. 4 conv_last; negative in the body */
        const int tail = i - resr_rrdb_tail_index(m, 0);
        const int up = tail >= 2 ? 4 : tail == 1 ? 2 : 1;
        cost.width  = in_w / m->unshuffle * up;
        cost.height = in_h / m->unshuffle * up;
    }
    cost.flops = 2.0 * 9 * c->in_channels * c->out_channels * cost.width * cost.height;
    return cost;
}

double resr_model_flops(const ResrModel *m, int in_w, int in_h)
{
    double total = 0.0;

    for (int i = 0; i < m->num_convs; i++)
        total += resr_model_conv_cost(m, i, in_w, in_h).flops;
    return total;
}

const char *resr_model_conv_kind(const ResrModel *m, int i)
{
    static const char *const dense[5] = { "rdb.conv1", "rdb.conv2", "rdb.conv3", "rdb.conv4", "rdb.conv5" };
    static const char *const tail[5] = { "conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last" };

    if (m->arch == RESR_ARCH_SRVGG)
        return i == 0 ? "first" : i == m->num_convs - 1 ? "last" : "body";
    if (i == 0)
        return "conv_first";
    if (i < resr_rrdb_tail_index(m, 0))
        return dense[(i - 1) % 5];
    return tail[i - resr_rrdb_tail_index(m, 0)];
}
