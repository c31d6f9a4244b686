/*
 * gpiod_compat.h - one version-neutral GPIO character-device API over libgpiod v1 or v2.
 *
 * gpiod_compat.c is compiled against whichever <gpiod.h> is installed: libgpiod 1.x (Debian 12,
 * 1.6.3) or 2.x (Debian 13, Raspberry Pi OS trixie). This header does not include <gpiod.h>, so
 * its users (the Swift LinuxHAL) never see which one it was.
 *
 * Conventions:
 *   - Every failure returns -1 or NULL with errno set (ENOENT for a chip or line name that does
 *     not exist, EINVAL for bad arguments, EBUSY for a line another consumer holds, and whatever
 *     the kernel returned otherwise).
 *   - Values are logical: active-low is applied by the kernel.
 *   - Edge timestamps are nanoseconds on CLOCK_MONOTONIC.
 *   - get, set and wait allocate nothing; requests allocate what they keep until release.
 *
 * Threads: a chip handle and a line handle are each used by one thread at a time (the caller
 * serializes). Different line handles are independent, and a line stays valid after its chip
 * handle is closed: under v1 every request owns a private chip object, as a v2 request does.
 */
#ifndef IOST_GPIOD_COMPAT_H
#define IOST_GPIOD_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An open GPIO chip. */
typedef struct iost_gpiod_chip iost_gpiod_chip;
/** One requested line (output, input or edge events). */
typedef struct iost_gpiod_line iost_gpiod_line;

/** Pull resistor setting of a requested line. */
typedef enum iost_gpiod_bias {
    IOST_GPIOD_BIAS_AS_IS = 0,
    IOST_GPIOD_BIAS_DISABLED = 1,
    IOST_GPIOD_BIAS_PULL_UP = 2,
    IOST_GPIOD_BIAS_PULL_DOWN = 3,
} iost_gpiod_bias;

/** Edges an edge-event line reports. */
typedef enum iost_gpiod_edge {
    IOST_GPIOD_EDGE_RISING = 1,
    IOST_GPIOD_EDGE_FALLING = 2,
    IOST_GPIOD_EDGE_BOTH = 3,
} iost_gpiod_edge;

/** The kind of one reported edge. */
typedef enum iost_gpiod_event_kind {
    IOST_GPIOD_EVENT_RISING = 1,
    IOST_GPIOD_EVENT_FALLING = 2,
} iost_gpiod_event_kind;

/** One edge seen by the kernel. */
typedef struct iost_gpiod_event {
    /** An iost_gpiod_event_kind value. */
    int32_t kind;
    /** The line's offset on its chip. */
    uint32_t offset;
    /** The kernel's timestamp, nanoseconds on CLOCK_MONOTONIC. */
    uint64_t timestamp_ns;
    /**
     * The kernel's sequence number of the event on its line, from 1 (libgpiod v2 line_seqno). A
     * gap between two events means the kernel's buffer overflowed and events were lost. 0 under
     * libgpiod v1, whose API has no sequence numbers.
     */
    uint64_t line_seqno;
    /** The sequence number among all lines of the request (v2 global_seqno); 0 under v1. */
    uint64_t global_seqno;
} iost_gpiod_event;

/**
 * Edge events the kernel buffers per edge-event line before it drops the oldest.
 *
 * libgpiod v2 requests this many (gpiod_request_config_set_event_buffer_size; 1024 is the
 * kernel's largest, GPIO_V2_LINES_MAX * 16). libgpiod v1 cannot choose: the v1 character-device
 * ABI keeps 16 events per line, and a reader that falls behind by more loses events without
 * knowing it (no sequence numbers).
 */
#define IOST_GPIOD_V2_EVENT_BUFFER_SIZE 1024
#define IOST_GPIOD_V1_EVENT_BUFFER_SIZE 16

/** The kernel's event buffer size of edge-event lines under the compiled API (16 or 1024). */
unsigned int iost_gpiod_event_buffer_size(void);

/** The most events one iost_gpiod_line_wait_events call returns. */
#define IOST_GPIOD_MAX_EVENTS_PER_WAIT 16

/** The libgpiod API this file was compiled against: 1 or 2. */
int iost_gpiod_api_version(void);

/**
 * Opens a chip by device path ("/dev/gpiochip0", anything containing a '/') or by name
 * ("gpiochip0", looked up under /dev). NULL with errno on failure (ENOENT if it does not exist).
 */
iost_gpiod_chip *iost_gpiod_chip_open(const char *path_or_name);

/** Closes the chip handle. Lines requested through it stay valid. NULL is ignored. */
void iost_gpiod_chip_close(iost_gpiod_chip *chip);

/** The kernel's name of the chip ("gpiochip0"); valid until the handle is closed. */
const char *iost_gpiod_chip_name(const iost_gpiod_chip *chip);

/** The chip's label ("gpio-sim.0-node0", "pinctrl-bcm2711"); valid until the handle is closed. */
const char *iost_gpiod_chip_label(const iost_gpiod_chip *chip);

/** The number of lines of the chip. */
unsigned int iost_gpiod_chip_num_lines(const iost_gpiod_chip *chip);

/** The offset of the first line named `name`, or -1 with errno ENOENT if there is none. */
int iost_gpiod_chip_find_line(iost_gpiod_chip *chip, const char *name);

/**
 * Requests line `offset` as an output driven to `initial_value` (logical, 0 or 1).
 * `consumer` is the name the kernel shows for the holder (gpioinfo); NULL for none.
 */
iost_gpiod_line *iost_gpiod_request_output(iost_gpiod_chip *chip, unsigned int offset,
                                           const char *consumer, iost_gpiod_bias bias,
                                           bool active_low, int initial_value);

/** Requests line `offset` as an input. */
iost_gpiod_line *iost_gpiod_request_input(iost_gpiod_chip *chip, unsigned int offset,
                                          const char *consumer, iost_gpiod_bias bias,
                                          bool active_low);

/** Requests line `offset` as an input reporting `edge` events, timestamped on CLOCK_MONOTONIC. */
iost_gpiod_line *iost_gpiod_request_edge_events(iost_gpiod_chip *chip, unsigned int offset,
                                                const char *consumer, iost_gpiod_bias bias,
                                                bool active_low, iost_gpiod_edge edge);

/** The offset of a requested line. */
unsigned int iost_gpiod_line_offset(const iost_gpiod_line *line);

/** The logical value of the line: 0 or 1, or -1 with errno. */
int iost_gpiod_line_get(iost_gpiod_line *line);

/** Drives an output line to `value` (logical, 0 or nonzero). 0, or -1 with errno. */
int iost_gpiod_line_set(iost_gpiod_line *line, int value);

/**
 * Waits up to `timeout_ns` (negative: without limit, 0: just check) for edge events and copies
 * up to `max_events` (at most IOST_GPIOD_MAX_EVENTS_PER_WAIT) of them, oldest first, into
 * `events`. Returns the number copied, 0 on timeout, or -1 with errno (EINTR if a signal
 * interrupted the wait).
 */
int iost_gpiod_line_wait_events(iost_gpiod_line *line, int64_t timeout_ns,
                                iost_gpiod_event *events, unsigned int max_events);

/** Gives the line back to the kernel and frees the handle. NULL is ignored. */
void iost_gpiod_line_release(iost_gpiod_line *line);

#ifdef __cplusplus
}
#endif

#endif /* IOST_GPIOD_COMPAT_H */
