/*
 * Upscales one image with the realesrgan filter through the libavfilter API, as a program
 * that embeds FFmpeg's libraries (a player, an editor, a server) would: a graph
 * buffer -> realesrgan -> format=rgb24 -> buffersink, one frame in, one frame out.
 *
 *   upscale_image MODEL IN.ppm OUT.ppm
 *
 * MODEL is a file or a name of models/README.md. IN.ppm is a binary 8-bit PPM (P6), the
 * simplest RGB image format, so that this stays about the graph; OUT.ppm is written the same
 * way. Build against the project's build tree (the README shows the command).
 */
#include <errno.h>
#include <stdio.h>

#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/avstring.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>

/* Reads a P6 PPM with maxval 255 into a new rgb24 frame. */
static int read_ppm(const char *path, AVFrame **out)
{
    FILE *f = fopen(path, "rb");
    AVFrame *frame = NULL;
    int w, h, maxval, ret = AVERROR_INVALIDDATA;

    if (!f)
        return AVERROR(errno);
    if (fscanf(f, "P6 %d %d %d", &w, &h, &maxval) != 3 || maxval != 255 || fgetc(f) == EOF ||
        w < 1 || h < 1 || w > 16384 || h > 16384)
        goto done;
    if (!(frame = av_frame_alloc())) {
        ret = AVERROR(ENOMEM);
        goto done;
    }
    frame->format = AV_PIX_FMT_RGB24;
    frame->width  = w;
    frame->height = h;
    if ((ret = av_frame_get_buffer(frame, 0)) < 0)
        goto done;
    for (int y = 0; y < h; y++)
        if (fread(frame->data[0] + (size_t)y * frame->linesize[0], 3, w, f) != (size_t)w) {
            ret = AVERROR_INVALIDDATA;
            goto done;
        }
    *out = frame;
    frame = NULL;
    ret = 0;
done:
    av_frame_free(&frame);
    fclose(f);
    return ret;
}

static int write_ppm(const char *path, const AVFrame *frame)
{
    FILE *f = fopen(path, "wb");
    int ret = 0;

    if (!f)
        return AVERROR(errno);
    fprintf(f, "P6\n%d %d\n255\n", frame->width, frame->height);
    for (int y = 0; y < frame->height; y++)
        if (fwrite(frame->data[0] + (size_t)y * frame->linesize[0], 3, frame->width, f) !=
            (size_t)frame->width)
            ret = AVERROR(EIO);
    if (fclose(f) != 0 && !ret)
        ret = AVERROR(EIO);
    return ret;
}

int main(int argc, char **argv)
{
    AVFilterGraph *graph = NULL;
    AVFilterContext *src = NULL, *sink = NULL;
    AVFilterInOut *inputs = NULL, *outputs = NULL;
    AVFrame *in = NULL, *out = NULL;
    char args[256], *filters = NULL;
    int ret;

    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL IN.ppm OUT.ppm\n", argv[0]);
        return 2;
    }
    if ((ret = read_ppm(argv[2], &in)) < 0) {
        fprintf(stderr, "%s: not a binary 8-bit PPM (P6): %s\n", argv[2], av_err2str(ret));
        return 1;
    }

    graph = avfilter_graph_alloc();
    outputs = avfilter_inout_alloc();
    inputs = avfilter_inout_alloc();
    /* the filter's options are the ffmpeg command line's: model, tile, backend, ... */
    filters = av_asprintf("realesrgan=model='%s',format=rgb24", argv[1]);
    if (!graph || !outputs || !inputs || !filters) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%s:time_base=1/25:pixel_aspect=1/1",
             in->width, in->height, av_get_pix_fmt_name(in->format));
    if ((ret = avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", args,
                                            NULL, graph)) < 0 ||
        (ret = avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"), "out",
                                            NULL, NULL, graph)) < 0)
        goto fail;

    /* the parsed chain's open input is fed by "in", its open output feeds "out" */
    outputs->name       = av_strdup("in");
    outputs->filter_ctx = src;
    inputs->name        = av_strdup("out");
    inputs->filter_ctx  = sink;
    if ((ret = avfilter_graph_parse_ptr(graph, filters, &inputs, &outputs, NULL)) < 0 ||
        (ret = avfilter_graph_config(graph, NULL)) < 0)
        goto fail;

    /* one frame, then end of stream; the upscaled frame is ready once the source is closed */
    in->pts = 0;
    if ((ret = av_buffersrc_add_frame_flags(src, in, AV_BUFFERSRC_FLAG_KEEP_REF)) < 0 ||
        (ret = av_buffersrc_add_frame(src, NULL)) < 0)
        goto fail;
    if (!(out = av_frame_alloc())) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    if ((ret = av_buffersink_get_frame(sink, out)) < 0 || (ret = write_ppm(argv[3], out)) < 0)
        goto fail;
    printf("%s: %dx%d -> %s: %dx%d\n", argv[2], in->width, in->height, argv[3], out->width,
           out->height);
fail:
    if (ret < 0)
        fprintf(stderr, "upscale_image: %s\n", av_err2str(ret));
    av_frame_free(&in);
    av_frame_free(&out);
    avfilter_inout_free(&inputs);
    avfilter_inout_free(&outputs);
    av_free(filters);
    avfilter_graph_free(&graph);
    return ret < 0;
}
