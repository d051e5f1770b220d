/*
 * Device locality and thread pinning. With hwloc (found at configure time, VIA_HAVE_HWLOC), a
 * device's PCI bus id leads to its closest non-I/O ancestor in the topology, whose cpuset is
 * the set of cores local to the device and whose NUMA nodes are the device's memory. A
 * device's host thread binds itself to that cpuset; the threads it starts afterwards (the
 * via_parallel_for helpers) inherit the binding on Linux, so one bind covers the helpers too.
 * The thread that runs CPU-only work binds to the cores no selected device claims.
 *
 * Without hwloc, or when hwloc has no PCI object for a device (a CPU device such as PoCL has
 * no bus id; a container may hide the PCI tree), nothing is pinned and `why` says so in one
 * line.
 */
#include "via/host_pin.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifdef VIA_HAVE_HWLOC
#include <hwloc.h>

static pthread_mutex_t g_topo_lock = PTHREAD_MUTEX_INITIALIZER;
static hwloc_topology_t g_topo;
static int g_topo_state; /* 0 not tried, 1 loaded, -1 failed */

/* The topology with PCI devices, loaded once per process. */
static hwloc_topology_t topology(void) {
    pthread_mutex_lock(&g_topo_lock);
    if (g_topo_state == 0) {
        g_topo_state = -1;
        if (hwloc_topology_init(&g_topo) == 0) {
            hwloc_topology_set_io_types_filter(g_topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
            if (hwloc_topology_load(g_topo) == 0)
                g_topo_state = 1;
            else
                hwloc_topology_destroy(g_topo);
        }
    }
    hwloc_topology_t t = g_topo_state == 1 ? g_topo : NULL;
    pthread_mutex_unlock(&g_topo_lock);
    return t;
}

void via_host_locality_of(via_host_locality *out, const char *bus) {
    memset(out, 0, sizeof(*out));
    out->numa = -1;
    if (!bus || !*bus) {
        snprintf(out->why, sizeof(out->why), "the driver reports no PCI bus id");
        return;
    }
    hwloc_topology_t t = topology();
    if (!t) {
        snprintf(out->why, sizeof(out->why), "hwloc could not load the topology");
        return;
    }
    hwloc_obj_t pci = hwloc_get_pcidev_by_busidstring(t, bus);
    if (!pci) {
        snprintf(out->why, sizeof(out->why), "hwloc has no PCI device %s in its topology", bus);
        return;
    }
    hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(t, pci);
    if (!anc || !anc->cpuset || hwloc_bitmap_iszero(anc->cpuset)) {
        snprintf(out->why, sizeof(out->why), "hwloc reports no cores near PCI device %s", bus);
        return;
    }
    if (hwloc_bitmap_isequal(anc->cpuset, hwloc_topology_get_topology_cpuset(t))) {
        /* the device hangs off the machine root: every core is as near as any other */
        snprintf(out->why, sizeof(out->why),
                 "hwloc reports PCI device %s as local to the whole machine", bus);
        return;
    }
    hwloc_bitmap_list_snprintf(out->cores, sizeof(out->cores), anc->cpuset);
    if (anc->nodeset && hwloc_bitmap_weight(anc->nodeset) == 1)
        out->numa = hwloc_bitmap_first(anc->nodeset);
    out->known = 1;
}

/* Parses a "0-3,8" list as hwloc writes it. */
static int parse_set(hwloc_bitmap_t set, const char *list) {
    return hwloc_bitmap_list_sscanf(set, list) == 0 && !hwloc_bitmap_iszero(set) ? 0 : -1;
}

int via_host_pin_thread(const via_host_locality *loc) {
    hwloc_topology_t t = topology();
    if (!t || !loc->known) return -1;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int rc = -1;
    if (set && parse_set(set, loc->cores) == 0)
        rc = hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD) == 0 ? 0 : -1;
    hwloc_bitmap_free(set);
    return rc;
}

int via_host_pin_thread_outside(const via_host_locality *locs, size_t n, char *cores,
                                size_t cores_len) {
    hwloc_topology_t t = topology();
    if (cores && cores_len) cores[0] = 0;
    if (!t) return -1;
    hwloc_bitmap_t taken = hwloc_bitmap_alloc(), one = hwloc_bitmap_alloc(),
                   rest = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t));
    int rc = -1, any = 0;
    if (!taken || !one || !rest) goto done;
    for (size_t i = 0; i < n; i++) {
        if (!locs[i].known || parse_set(one, locs[i].cores)) continue;
        hwloc_bitmap_or(taken, taken, one);
        any = 1;
    }
    if (!any) goto done;
    hwloc_bitmap_andnot(rest, rest, taken);
    if (hwloc_bitmap_iszero(rest)) goto done; /* the devices claim every core: leave it */
    if (hwloc_set_cpubind(t, rest, HWLOC_CPUBIND_THREAD) == 0) {
        rc = 0;
        if (cores && cores_len) hwloc_bitmap_list_snprintf(cores, cores_len, rest);
    }
done:
    hwloc_bitmap_free(taken);
    hwloc_bitmap_free(one);
    hwloc_bitmap_free(rest);
    return rc;
}

int via_host_binding_save(via_host_binding *b) {
    hwloc_topology_t t = topology();
    b->saved = 0;
    if (!t) return -1;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (set && hwloc_get_cpubind(t, set, HWLOC_CPUBIND_THREAD) == 0) {
        b->saved = 1;
        hwloc_bitmap_list_snprintf(b->cores, sizeof(b->cores), set);
    }
    hwloc_bitmap_free(set);
    return b->saved ? 0 : -1;
}

void via_host_binding_restore(const via_host_binding *b) {
    hwloc_topology_t t = topology();
    if (!t || !b->saved) return;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (set && parse_set(set, b->cores) == 0) hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD);
    hwloc_bitmap_free(set);
}

int via_host_have_hwloc(void) {
    return 1;
}
#else
void via_host_locality_of(via_host_locality *out, const char *bus) {
    memset(out, 0, sizeof(*out));
    out->numa = -1;
    snprintf(out->why, sizeof(out->why), "%s",
             !bus || !*bus ? "the driver reports no PCI bus id"
                           : "this build has no hwloc: libhwloc-dev was missing at configure time");
}

int via_host_pin_thread(const via_host_locality *loc) {
    (void)loc;
    return -1;
}

int via_host_pin_thread_outside(const via_host_locality *locs, size_t n, char *cores,
                                size_t cores_len) {
    (void)locs;
    (void)n;
    if (cores && cores_len) cores[0] = 0;
    return -1;
}

int via_host_binding_save(via_host_binding *b) {
    b->saved = 0;
    return -1;
}

void via_host_binding_restore(const via_host_binding *b) {
    (void)b;
}

int via_host_have_hwloc(void) {
    return 0;
}
#endif

void via_host_locality_line(char *buf, size_t len, const via_host_locality *loc) {
    if (!loc->known)
        snprintf(buf, len, "no locality (%s); its thread is not pinned", loc->why);
    else if (loc->numa >= 0)
        snprintf(buf, len, "NUMA node %d, local cores %s", loc->numa, loc->cores);
    else
        snprintf(buf, len, "local cores %s", loc->cores);
}
