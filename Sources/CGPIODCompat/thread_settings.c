/* thread_settings.c - see iost_thread_settings.h. */
#define _GNU_SOURCE
#include "iost_thread_settings.h"

#include <errno.h>
#include <sched.h>
#include <sys/prctl.h>

int iost_set_timer_slack_ns(unsigned long nanoseconds)
{
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0UL, 0UL, 0UL) < 0 ? -1 : 0;
}

long iost_timer_slack_ns(void)
{
    int slack = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
    return slack < 0 ? -1 : (long)slack;
}

int iost_max_cpus(void) { return CPU_SETSIZE; }

int iost_set_thread_affinity(const int *cpus, size_t count)
{
    if (!cpus || count == 0) {
        errno = EINVAL;
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    for (size_t i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) {
            errno = EINVAL;
            return -1;
        }
        CPU_SET(cpus[i], &set);
    }
    /* pid 0: the calling thread. */
    return sched_setaffinity(0, sizeof(set), &set);
}

int iost_thread_affinity(int *cpus, size_t capacity)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return -1;
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (cpus && (size_t)found < capacity)
            cpus[found] = cpu;
        found++;
    }
    return found;
}
