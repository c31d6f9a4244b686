/*
 * iost_thread_settings.h - thread settings Swift cannot reach through Glibc.
 *
 * prctl() is variadic, and sched_setaffinity()/CPU_SET need _GNU_SOURCE, which Swift's Glibc
 * module does not define. These few wrappers live in the CGPIODCompat target only because it is
 * the project's one C target; they have nothing to do with libgpiod.
 */
#ifndef IOST_THREAD_SETTINGS_H
#define IOST_THREAD_SETTINGS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Sets the calling thread's timer slack (PR_SET_TIMERSLACK); 0 restores the default. 0, or -1 with errno. */
int iost_set_timer_slack_ns(unsigned long nanoseconds);

/** The calling thread's timer slack in nanoseconds (PR_GET_TIMERSLACK), or -1 with errno. */
long iost_timer_slack_ns(void);

/** The most CPUs an affinity set can name (CPU_SETSIZE). */
int iost_max_cpus(void);

/**
 * Restricts the calling thread to the `count` CPUs in `cpus` (numbers from 0).
 * 0, or -1 with errno (EINVAL for an empty list, a number outside 0..<iost_max_cpus(), or no
 * online CPU among them; EPERM if not allowed).
 */
int iost_set_thread_affinity(const int *cpus, size_t count);

/**
 * Writes the CPUs the calling thread may run on, ascending, into `cpus` (at most `capacity`)
 * and returns how many there are (which may exceed `capacity`), or -1 with errno.
 */
int iost_thread_affinity(int *cpus, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* IOST_THREAD_SETTINGS_H */
