/* Device locality (PCI bus id -> local cores, NUMA node) and thread pinning, through hwloc
 * when the build has it; without hwloc every query answers "unknown" with a reason. Used by
 * device pools for their threads, and by whatever else places CPU work next to a device. */
#ifndef VIA_HOST_PIN_H
#define VIA_HOST_PIN_H
#include <stddef.h>

typedef struct {
    int known;      /* 1: cores (and numa, when one node) are filled */
    int numa;       /* NUMA node of the device, -1 when unknown or several */
    char cores[96]; /* hwloc list syntax, "0-7,16-23" */
    char why[160];  /* when !known: one line saying why */
} via_host_locality;

/* The locality of the PCI device `bus` ("dddd:bb:dd.f"; NULL or "" for none). */
void via_host_locality_of(via_host_locality *out, const char *bus);
/* "NUMA node N, local cores L" or "no locality (why); its thread is not pinned". */
void via_host_locality_line(char *buf, size_t len, const via_host_locality *loc);
/* Binds the calling thread to loc's cores; threads it starts later inherit it. 0 when bound. */
int via_host_pin_thread(const via_host_locality *loc);
/* Binds the calling thread to the allowed cores outside every known locality of locs; writes
 * that set to cores. 0 when bound; -1 (nothing changed) when no locality is known or the
 * devices claim every core. */
int via_host_pin_thread_outside(const via_host_locality *locs, size_t n, char *cores,
                                size_t cores_len);

typedef struct {
    int saved;
    char cores[256];
} via_host_binding;
/* The calling thread's binding, to put back with via_host_binding_restore. */
int via_host_binding_save(via_host_binding *b);
void via_host_binding_restore(const via_host_binding *b);
/* 1 when the build has hwloc. */
int via_host_have_hwloc(void);

/* One "  <backend> <i> locality: ..." line per device of b (discovery.c). */
#include <stdio.h>
#include "via/host.h"
void via_host_list_locality(FILE *out, via_backend b);
#endif
