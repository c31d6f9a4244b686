/*
 * gpiod_compat_check.c - the GPIO bench tests at the level of Sources/CGPIODCompat, run against a
 * gpio-sim chip in the HIL bench guest. scripts/hil-test.sh links it twice: with gpiod_compat.c
 * compiled against the system libgpiod (v1, Debian 12) and against libgpiod 2.x built from the
 * PyPI `gpiod` sdist (scripts/test-gpiod-v2.sh fetches it), so both branches of the layer LinuxHAL
 * runs on are exercised on a real kernel: the same code paths as LinuxGPIOChip (open, find line
 * by name, output/input/edge requests, get/set, wait for events, release).
 *
 * usage: gpiod_compat_check EXPECTED_API_VERSION      (in the guest: HIL_GPIOCHIP, HIL_GPIO_SYSFS)
 * Lines used (gpio-sim names): hil5 output, hil6 input, hil7 edge events.
 * Exit status 0 when every check passed; one line per check on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gpiod_compat.h"

static int failures;
static const char *sysfs;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (cond) { printf("  ok    "); printf(__VA_ARGS__); printf("\n"); } \
        else { printf("  FAIL  "); printf(__VA_ARGS__); printf(" (errno %d %s)\n", errno, strerror(errno)); failures++; } \
    } while (0)

static int attribute_write(unsigned int offset, const char *attribute, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sim_gpio%u/%s", sysfs, offset, attribute);
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int attribute_value(unsigned int offset)
{
    char path[512], text[16] = {0};
    snprintf(path, sizeof path, "%s/sim_gpio%u/value", sysfs, offset);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    return n > 0 ? atoi(text) : -1;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int expected = argc > 1 ? atoi(argv[1]) : 0;
    const char *path = getenv("HIL_GPIOCHIP");
    sysfs = getenv("HIL_GPIO_SYSFS");
    if (!path || !sysfs) {
        fprintf(stderr, "gpiod_compat_check: HIL_GPIOCHIP and HIL_GPIO_SYSFS must be set (run in the HIL bench)\n");
        return 2;
    }
    CHECK(iost_gpiod_api_version() == expected, "compiled against libgpiod v%d (expected v%d)", iost_gpiod_api_version(), expected);

    iost_gpiod_chip *chip = iost_gpiod_chip_open(path);
    CHECK(chip != NULL, "open %s", path);
    if (!chip) return 1;
    CHECK(iost_gpiod_chip_num_lines(chip) >= 8, "%s (%s) has %u lines", iost_gpiod_chip_name(chip),
          iost_gpiod_chip_label(chip), iost_gpiod_chip_num_lines(chip));
    int out_offset = iost_gpiod_chip_find_line(chip, "hil5");
    int in_offset = iost_gpiod_chip_find_line(chip, "hil6");
    int edge_offset = iost_gpiod_chip_find_line(chip, "hil7");
    CHECK(out_offset == 5 && in_offset == 6 && edge_offset == 7, "lines found by name: hil5 %d, hil6 %d, hil7 %d",
          out_offset, in_offset, edge_offset);
    errno = 0;
    CHECK(iost_gpiod_chip_find_line(chip, "no-such-line") == -1 && errno == ENOENT, "an unknown line name is ENOENT");
    if (out_offset < 0 || in_offset < 0 || edge_offset < 0) return 1;

    /* Output: the level shows on the simulated pin; active-low inverts it; a second request is EBUSY. */
    iost_gpiod_line *out = iost_gpiod_request_output(chip, (unsigned)out_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, false, 1);
    CHECK(out != NULL && attribute_value((unsigned)out_offset) == 1, "output requested high: sim value 1");
    CHECK(out && iost_gpiod_line_set(out, 0) == 0 && attribute_value((unsigned)out_offset) == 0 && iost_gpiod_line_get(out) == 0,
          "set low: sim value 0, get 0");
    errno = 0;
    iost_gpiod_line *busy = iost_gpiod_request_input(chip, (unsigned)out_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, false);
    CHECK(busy == NULL && errno == EBUSY, "a second request of the output is EBUSY");
    iost_gpiod_line_release(busy);
    iost_gpiod_line_release(out);
    out = iost_gpiod_request_output(chip, (unsigned)out_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, true, 1);
    CHECK(out != NULL && attribute_value((unsigned)out_offset) == 0, "active-low output, logical 1: sim value 0");
    CHECK(out && iost_gpiod_line_set(out, 0) == 0 && attribute_value((unsigned)out_offset) == 1, "active-low logical 0: sim value 1");
    iost_gpiod_line_release(out);

    /* Input: reads the simulated pull, inverted when active-low. */
    attribute_write((unsigned)in_offset, "pull", "pull-up");
    iost_gpiod_line *in = iost_gpiod_request_input(chip, (unsigned)in_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, false);
    CHECK(in != NULL && iost_gpiod_line_get(in) == 1, "input with pull-up reads 1");
    attribute_write((unsigned)in_offset, "pull", "pull-down");
    CHECK(in && iost_gpiod_line_get(in) == 0, "input with pull-down reads 0");
    iost_gpiod_line_release(in);
    in = iost_gpiod_request_input(chip, (unsigned)in_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, true);
    CHECK(in != NULL && iost_gpiod_line_get(in) == 1, "active-low input with pull-down reads 1");
    iost_gpiod_line_release(in);

    /* Edge events, both edges: each pull change is awaited before the next, so they arrive in
     * order with CLOCK_MONOTONIC timestamps inside the window. (Paced on purpose: with both
     * edges requested, the kernel's v1 line-event path decides rising/falling by reading the
     * level in a threaded handler and coalesces edges that come faster than that thread runs;
     * the v2 path timestamps and classifies each edge in the hard interrupt handler.) */
    attribute_write((unsigned)edge_offset, "pull", "pull-down");
    iost_gpiod_line *edges = iost_gpiod_request_edge_events(chip, (unsigned)edge_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS,
                                                            false, IOST_GPIOD_EDGE_BOTH);
    CHECK(edges != NULL, "edge-event request (both edges) on hil7");
    iost_gpiod_event events[IOST_GPIOD_MAX_EVENTS_PER_WAIT];
    if (edges) {
        CHECK(iost_gpiod_line_wait_events(edges, 1000000, events, IOST_GPIOD_MAX_EVENTS_PER_WAIT) == 0, "no event yet: a 1 ms wait times out");
        uint64_t before = monotonic_ns();
        int count = 0, order = 1, inside = 1, offsets = 1;
        uint64_t last = 0;
        for (int i = 0; i < 10; i++) {
            attribute_write((unsigned)edge_offset, "pull", i % 2 == 0 ? "pull-up" : "pull-down");
            int n = iost_gpiod_line_wait_events(edges, 10000000000ll, events, IOST_GPIOD_MAX_EVENTS_PER_WAIT);
            uint64_t now = monotonic_ns();
            if (n != 1) { printf("  info  change %d: wait returned %d\n", i, n); order = 0; if (n <= 0) break; }
            count += n;
            int want = i % 2 == 0 ? IOST_GPIOD_EVENT_RISING : IOST_GPIOD_EVENT_FALLING;
            if (events[0].kind != want || events[0].timestamp_ns < last) order = 0;
            if (events[0].timestamp_ns < before || events[0].timestamp_ns > now) inside = 0;
            if (events[0].offset != (uint32_t)edge_offset) offsets = 0;
            last = events[0].timestamp_ns;
        }
        CHECK(count == 10, "%d edges of 10 paced pull changes received", count);
        CHECK(order, "one event per change, alternating rising/falling, timestamps non-decreasing");
        CHECK(inside, "timestamps are CLOCK_MONOTONIC, inside the window");
        CHECK(offsets, "every event names line %d", edge_offset);
        iost_gpiod_line_release(edges);
    }

    /* Falling edges only (how the Geiger counter requests its line), 40 pulses 20 ms apart, read
     * while they come (as the counter's ingest thread does): every one counted, and more pulses
     * than the kernel's line-event buffer holds (16 for one line, v1 and v2 alike: a reader that
     * falls behind by more loses pulses). Spaced, not a burst: gpio-sim raises its interrupts
     * through irq_sim, whose irq_work coalesces edges raised before it runs (milliseconds under
     * TCG) — a limit of the simulator, not of real hardware. */
    attribute_write((unsigned)edge_offset, "pull", "pull-up");
    edges = iost_gpiod_request_edge_events(chip, (unsigned)edge_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, false,
                                           IOST_GPIOD_EDGE_FALLING);
    CHECK(edges != NULL, "edge-event request (falling) on hil7");
    if (edges) {
        const int pulses = 40;
        const struct timespec gap = {0, 20000000};
        int count = 0, falling = 1, n;
        for (int i = 0; i < pulses; i++) {
            attribute_write((unsigned)edge_offset, "pull", "pull-down");
            nanosleep(&gap, NULL);
            attribute_write((unsigned)edge_offset, "pull", "pull-up");
            nanosleep(&gap, NULL);
            while ((n = iost_gpiod_line_wait_events(edges, 0, events, IOST_GPIOD_MAX_EVENTS_PER_WAIT)) > 0) {
                for (int k = 0; k < n; k++) if (events[k].kind != IOST_GPIOD_EVENT_FALLING) falling = 0;
                count += n;
            }
        }
        uint64_t deadline = monotonic_ns() + 10000000000ull;
        while (count < pulses && monotonic_ns() < deadline) {
            n = iost_gpiod_line_wait_events(edges, 200000000, events, IOST_GPIOD_MAX_EVENTS_PER_WAIT);
            if (n < 0) break;
            for (int k = 0; k < n; k++) if (events[k].kind != IOST_GPIOD_EVENT_FALLING) falling = 0;
            count += n;
        }
        CHECK(count == pulses && falling, "%d pulses 20 ms apart, read as they come: %d falling edges counted", pulses, count);
        iost_gpiod_line_release(edges);
    }

    /* Lines stay valid after their chip handle is closed (the layer's documented contract). */
    out = iost_gpiod_request_output(chip, (unsigned)out_offset, "iost-hil", IOST_GPIOD_BIAS_AS_IS, false, 0);
    iost_gpiod_chip_close(chip);
    CHECK(out && iost_gpiod_line_set(out, 1) == 0 && attribute_value((unsigned)out_offset) == 1, "a line outlives its chip handle");
    iost_gpiod_line_release(out);

    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
