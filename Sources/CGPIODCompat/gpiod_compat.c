/*
 * gpiod_compat.c - the API of gpiod_compat.h over libgpiod v1 (1.5, 1.6) or v2 (2.x).
 *
 * The branch is chosen by the installed header: v1's <gpiod.h> defines GPIOD_LINE_BULK_MAX_LINES,
 * v2's does not. Both branches are compiled by scripts/test-gpiod-v2.sh.
 */
#include "gpiod_compat.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#if defined(GPIOD_LINE_BULK_MAX_LINES)
#define IOST_GPIOD_API 1
#else
#define IOST_GPIOD_API 2
#endif

enum line_mode { MODE_OUTPUT, MODE_INPUT, MODE_EDGES };

struct iost_gpiod_chip {
    struct gpiod_chip *chip;
    char *path;
    char *name;
    char *label;
    unsigned int num_lines;
};

struct iost_gpiod_line {
    unsigned int offset;
#if IOST_GPIOD_API == 1
    /* A private chip object per request: v1 keeps line state inside the chip object, so sharing
     * one between lines used from different threads would race. */
    struct gpiod_chip *chip;
    struct gpiod_line *line;
#else
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *buffer; /* edge lines only */
#endif
};

int iost_gpiod_api_version(void) { return IOST_GPIOD_API; }

unsigned int iost_gpiod_event_buffer_size(void)
{
#if IOST_GPIOD_API == 1
    return IOST_GPIOD_V1_EVENT_BUFFER_SIZE;
#else
    return IOST_GPIOD_V2_EVENT_BUFFER_SIZE;
#endif
}

static char *copy_string(const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        errno = ENOMEM;
    return copy;
}

/* "/dev/gpiochip0" stays as it is; "gpiochip0" becomes "/dev/gpiochip0". */
static char *device_path(const char *path_or_name)
{
    if (strchr(path_or_name, '/'))
        return copy_string(path_or_name);
    size_t length = strlen("/dev/") + strlen(path_or_name) + 1;
    char *path = malloc(length);
    if (!path) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(path, length, "/dev/%s", path_or_name);
    return path;
}

static void chip_free(iost_gpiod_chip *handle)
{
    int saved = errno;
    if (handle->chip)
        gpiod_chip_close(handle->chip);
    free(handle->path);
    free(handle->name);
    free(handle->label);
    free(handle);
    errno = saved;
}

iost_gpiod_chip *iost_gpiod_chip_open(const char *path_or_name)
{
    if (!path_or_name || !*path_or_name) {
        errno = EINVAL;
        return NULL;
    }
    iost_gpiod_chip *handle = calloc(1, sizeof(*handle));
    if (!handle) {
        errno = ENOMEM;
        return NULL;
    }
    handle->path = device_path(path_or_name);
    if (!handle->path)
        goto fail;
    handle->chip = gpiod_chip_open(handle->path);
    if (!handle->chip)
        goto fail;

#if IOST_GPIOD_API == 1
    handle->name = copy_string(gpiod_chip_name(handle->chip));
    handle->label = copy_string(gpiod_chip_label(handle->chip));
    handle->num_lines = gpiod_chip_num_lines(handle->chip);
#else
    struct gpiod_chip_info *info = gpiod_chip_get_info(handle->chip);
    if (!info)
        goto fail;
    handle->name = copy_string(gpiod_chip_info_get_name(info));
    handle->label = copy_string(gpiod_chip_info_get_label(info));
    size_t lines = gpiod_chip_info_get_num_lines(info);
    handle->num_lines = lines > UINT_MAX ? UINT_MAX : (unsigned int)lines;
    gpiod_chip_info_free(info);
#endif
    if (!handle->name || !handle->label)
        goto fail;
    return handle;

fail:
    chip_free(handle);
    return NULL;
}

void iost_gpiod_chip_close(iost_gpiod_chip *chip)
{
    if (chip)
        chip_free(chip);
}

const char *iost_gpiod_chip_name(const iost_gpiod_chip *chip) { return chip->name; }
const char *iost_gpiod_chip_label(const iost_gpiod_chip *chip) { return chip->label; }
unsigned int iost_gpiod_chip_num_lines(const iost_gpiod_chip *chip) { return chip->num_lines; }

int iost_gpiod_chip_find_line(iost_gpiod_chip *chip, const char *name)
{
    if (!chip || !name || !*name) {
        errno = EINVAL;
        return -1;
    }
#if IOST_GPIOD_API == 1
    errno = 0;
    struct gpiod_line *line = gpiod_chip_find_line(chip->chip, name);
    if (!line) {
        if (errno == 0)
            errno = ENOENT;
        return -1;
    }
    return (int)gpiod_line_offset(line);
#else
    errno = 0;
    int offset = gpiod_chip_get_line_offset_from_name(chip->chip, name);
    if (offset < 0 && errno == 0)
        errno = ENOENT;
    return offset;
#endif
}

static int valid_options(iost_gpiod_bias bias, enum line_mode mode, iost_gpiod_edge edge)
{
    if (bias < IOST_GPIOD_BIAS_AS_IS || bias > IOST_GPIOD_BIAS_PULL_DOWN)
        return 0;
    if (mode == MODE_EDGES && (edge < IOST_GPIOD_EDGE_RISING || edge > IOST_GPIOD_EDGE_BOTH))
        return 0;
    return 1;
}

#if IOST_GPIOD_API == 1

static iost_gpiod_line *request_line(iost_gpiod_chip *chip, unsigned int offset, const char *consumer,
                                     iost_gpiod_bias bias, bool active_low, enum line_mode mode,
                                     iost_gpiod_edge edge, int initial_value)
{
    struct gpiod_line_request_config config = { .consumer = consumer ? consumer : "", .flags = 0 };
    switch (mode) {
    case MODE_OUTPUT: config.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT; break;
    case MODE_INPUT: config.request_type = GPIOD_LINE_REQUEST_DIRECTION_INPUT; break;
    case MODE_EDGES:
        config.request_type = edge == IOST_GPIOD_EDGE_RISING    ? GPIOD_LINE_REQUEST_EVENT_RISING_EDGE
                              : edge == IOST_GPIOD_EDGE_FALLING ? GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE
                                                                : GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
        break;
    }
    switch (bias) {
    case IOST_GPIOD_BIAS_AS_IS: break;
    case IOST_GPIOD_BIAS_DISABLED: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
    case IOST_GPIOD_BIAS_PULL_UP: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
    case IOST_GPIOD_BIAS_PULL_DOWN: config.flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
    }
    if (active_low)
        config.flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;

    iost_gpiod_line *handle = calloc(1, sizeof(*handle));
    if (!handle) {
        errno = ENOMEM;
        return NULL;
    }
    handle->offset = offset;
    handle->chip = gpiod_chip_open(chip->path);
    if (!handle->chip)
        goto fail;
    handle->line = gpiod_chip_get_line(handle->chip, offset);
    if (!handle->line)
        goto fail;
    if (gpiod_line_request(handle->line, &config, initial_value ? 1 : 0) < 0)
        goto fail;
    return handle;

fail:;
    int saved = errno;
    if (handle->chip)
        gpiod_chip_close(handle->chip);
    free(handle);
    errno = saved;
    return NULL;
}

int iost_gpiod_line_get(iost_gpiod_line *line)
{
    if (!line) {
        errno = EINVAL;
        return -1;
    }
    return gpiod_line_get_value(line->line);
}

int iost_gpiod_line_set(iost_gpiod_line *line, int value)
{
    if (!line) {
        errno = EINVAL;
        return -1;
    }
    return gpiod_line_set_value(line->line, value ? 1 : 0);
}

int iost_gpiod_line_wait_events(iost_gpiod_line *line, int64_t timeout_ns, iost_gpiod_event *events,
                                unsigned int max_events)
{
    if (!line || !events || max_events == 0) {
        errno = EINVAL;
        return -1;
    }
    struct timespec timeout = { 0, 0 };
    if (timeout_ns > 0) {
        timeout.tv_sec = (time_t)(timeout_ns / 1000000000);
        timeout.tv_nsec = (long)(timeout_ns % 1000000000);
    }
    int ready = gpiod_line_event_wait(line->line, timeout_ns < 0 ? NULL : &timeout);
    if (ready <= 0)
        return ready;

    struct gpiod_line_event raw[IOST_GPIOD_MAX_EVENTS_PER_WAIT];
    unsigned int wanted = max_events < IOST_GPIOD_MAX_EVENTS_PER_WAIT ? max_events : IOST_GPIOD_MAX_EVENTS_PER_WAIT;
    int count = gpiod_line_event_read_multiple(line->line, raw, wanted);
    for (int i = 0; i < count; i++) {
        events[i].kind = raw[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE ? IOST_GPIOD_EVENT_RISING
                                                                           : IOST_GPIOD_EVENT_FALLING;
        events[i].offset = line->offset;
        events[i].timestamp_ns = (uint64_t)raw[i].ts.tv_sec * 1000000000u + (uint64_t)raw[i].ts.tv_nsec;
        /* The v1 API has no sequence numbers: lost events cannot be detected. */
        events[i].line_seqno = 0;
        events[i].global_seqno = 0;
    }
    return count;
}

void iost_gpiod_line_release(iost_gpiod_line *line)
{
    if (!line)
        return;
    int saved = errno;
    gpiod_line_release(line->line);
    gpiod_chip_close(line->chip);
    free(line);
    errno = saved;
}

#else /* IOST_GPIOD_API == 2 */

static iost_gpiod_line *request_line(iost_gpiod_chip *chip, unsigned int offset, const char *consumer,
                                     iost_gpiod_bias bias, bool active_low, enum line_mode mode,
                                     iost_gpiod_edge edge, int initial_value)
{
    static const enum gpiod_line_bias biases[] = {
        [IOST_GPIOD_BIAS_AS_IS] = GPIOD_LINE_BIAS_AS_IS,
        [IOST_GPIOD_BIAS_DISABLED] = GPIOD_LINE_BIAS_DISABLED,
        [IOST_GPIOD_BIAS_PULL_UP] = GPIOD_LINE_BIAS_PULL_UP,
        [IOST_GPIOD_BIAS_PULL_DOWN] = GPIOD_LINE_BIAS_PULL_DOWN,
    };
    static const enum gpiod_line_edge edges[] = {
        [IOST_GPIOD_EDGE_RISING] = GPIOD_LINE_EDGE_RISING,
        [IOST_GPIOD_EDGE_FALLING] = GPIOD_LINE_EDGE_FALLING,
        [IOST_GPIOD_EDGE_BOTH] = GPIOD_LINE_EDGE_BOTH,
    };
    struct gpiod_line_settings *settings = NULL;
    struct gpiod_line_config *line_config = NULL;
    struct gpiod_request_config *request_config = NULL;
    iost_gpiod_line *handle = calloc(1, sizeof(*handle));
    if (!handle) {
        errno = ENOMEM;
        return NULL;
    }
    handle->offset = offset;

    settings = gpiod_line_settings_new();
    line_config = gpiod_line_config_new();
    request_config = gpiod_request_config_new();
    if (!settings || !line_config || !request_config) {
        errno = ENOMEM;
        goto fail;
    }
    if (gpiod_line_settings_set_bias(settings, biases[bias]) < 0)
        goto fail;
    gpiod_line_settings_set_active_low(settings, active_low);
    switch (mode) {
    case MODE_OUTPUT:
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
            gpiod_line_settings_set_output_value(
                settings, initial_value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
            goto fail;
        break;
    case MODE_INPUT:
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0)
            goto fail;
        break;
    case MODE_EDGES:
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
            gpiod_line_settings_set_edge_detection(settings, edges[edge]) < 0 ||
            gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0)
            goto fail;
        handle->buffer = gpiod_edge_event_buffer_new(IOST_GPIOD_MAX_EVENTS_PER_WAIT);
        if (!handle->buffer)
            goto fail;
        break;
    }
    if (gpiod_line_config_add_line_settings(line_config, &offset, 1, settings) < 0)
        goto fail;
    if (consumer)
        gpiod_request_config_set_consumer(request_config, consumer);
    if (mode == MODE_EDGES) /* the kernel's default is 16 events per line */
        gpiod_request_config_set_event_buffer_size(request_config, IOST_GPIOD_V2_EVENT_BUFFER_SIZE);

    handle->request = gpiod_chip_request_lines(chip->chip, request_config, line_config);
    if (!handle->request)
        goto fail;

    gpiod_request_config_free(request_config);
    gpiod_line_config_free(line_config);
    gpiod_line_settings_free(settings);
    return handle;

fail:;
    int saved = errno;
    gpiod_request_config_free(request_config);
    gpiod_line_config_free(line_config);
    gpiod_line_settings_free(settings);
    gpiod_edge_event_buffer_free(handle->buffer);
    free(handle);
    errno = saved;
    return NULL;
}

int iost_gpiod_line_get(iost_gpiod_line *line)
{
    if (!line) {
        errno = EINVAL;
        return -1;
    }
    enum gpiod_line_value value = gpiod_line_request_get_value(line->request, line->offset);
    if (value == GPIOD_LINE_VALUE_ERROR)
        return -1;
    return value == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

int iost_gpiod_line_set(iost_gpiod_line *line, int value)
{
    if (!line) {
        errno = EINVAL;
        return -1;
    }
    return gpiod_line_request_set_value(line->request, line->offset,
                                        value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
}

int iost_gpiod_line_wait_events(iost_gpiod_line *line, int64_t timeout_ns, iost_gpiod_event *events,
                                unsigned int max_events)
{
    if (!line || !events || max_events == 0) {
        errno = EINVAL;
        return -1;
    }
    if (!line->buffer) {
        /* Not an edge-event request: v1 answers EPERM here too. */
        errno = EPERM;
        return -1;
    }
    int ready = gpiod_line_request_wait_edge_events(line->request, timeout_ns);
    if (ready <= 0)
        return ready;

    unsigned int wanted = max_events < IOST_GPIOD_MAX_EVENTS_PER_WAIT ? max_events : IOST_GPIOD_MAX_EVENTS_PER_WAIT;
    int count = gpiod_line_request_read_edge_events(line->request, line->buffer, wanted);
    for (int i = 0; i < count; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(line->buffer, (unsigned long)i);
        events[i].kind = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE
                             ? IOST_GPIOD_EVENT_RISING
                             : IOST_GPIOD_EVENT_FALLING;
        events[i].offset = gpiod_edge_event_get_line_offset(event);
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
        events[i].line_seqno = (uint64_t)gpiod_edge_event_get_line_seqno(event);
        events[i].global_seqno = (uint64_t)gpiod_edge_event_get_global_seqno(event);
    }
    return count;
}

void iost_gpiod_line_release(iost_gpiod_line *line)
{
    if (!line)
        return;
    int saved = errno;
    gpiod_line_request_release(line->request);
    gpiod_edge_event_buffer_free(line->buffer);
    free(line);
    errno = saved;
}

#endif /* IOST_GPIOD_API */

static iost_gpiod_line *checked_request(iost_gpiod_chip *chip, unsigned int offset, const char *consumer,
                                        iost_gpiod_bias bias, bool active_low, enum line_mode mode,
                                        iost_gpiod_edge edge, int initial_value)
{
    if (!chip || !valid_options(bias, mode, edge)) {
        errno = EINVAL;
        return NULL;
    }
    if (offset >= chip->num_lines) {
        errno = EINVAL;
        return NULL;
    }
    return request_line(chip, offset, consumer, bias, active_low, mode, edge, initial_value);
}

iost_gpiod_line *iost_gpiod_request_output(iost_gpiod_chip *chip, unsigned int offset, const char *consumer,
                                           iost_gpiod_bias bias, bool active_low, int initial_value)
{
    return checked_request(chip, offset, consumer, bias, active_low, MODE_OUTPUT, IOST_GPIOD_EDGE_BOTH,
                           initial_value);
}

iost_gpiod_line *iost_gpiod_request_input(iost_gpiod_chip *chip, unsigned int offset, const char *consumer,
                                          iost_gpiod_bias bias, bool active_low)
{
    return checked_request(chip, offset, consumer, bias, active_low, MODE_INPUT, IOST_GPIOD_EDGE_BOTH, 0);
}

iost_gpiod_line *iost_gpiod_request_edge_events(iost_gpiod_chip *chip, unsigned int offset,
                                                const char *consumer, iost_gpiod_bias bias, bool active_low,
                                                iost_gpiod_edge edge)
{
    return checked_request(chip, offset, consumer, bias, active_low, MODE_EDGES, edge, 0);
}

unsigned int iost_gpiod_line_offset(const iost_gpiod_line *line) { return line->offset; }
