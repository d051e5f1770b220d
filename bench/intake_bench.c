/* Sequencer intake over HTTP: T client threads (keep-alive connections) send N pre-signed
 * transfers with via_sendTransaction to a running via-sequencer and count the accepted ones.
 * Usage: via-intake-bench <url> <keys.json list dir> ... see bench/intake_bench.sh, which sets
 * up the genesis and the sequencer. Here: via-intake-bench URL FILE THREADS [BATCHES], FILE
 * holding one JSON-RPC request per line. Prints accepted per second; with BATCHES, then waits
 * (polling via_batchNumber, at most 60 s) until that many batches are sealed and prints the
 * rate from the first request to the last batch sealed: intake and sealing together. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static char **lines;
static size_t nlines, next_line;
static long accepted, rejected;
static const char *url;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    char buf[4096];
    size_t len;
} sink;

static size_t on_body(char *p, size_t s, size_t n, void *u) {
    sink *k = u;
    size_t m = s * n;
    if (k->len + m < sizeof k->buf) {
        memcpy(k->buf + k->len, p, m);
        k->len += m;
        k->buf[k->len] = 0;
    }
    return m;
}

static void *worker(void *arg) {
    (void)arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    for (;;) {
        pthread_mutex_lock(&mu);
        size_t i = next_line++;
        pthread_mutex_unlock(&mu);
        if (i >= nlines) break;
        sink k = {{0}, 0};
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, lines[i]);
        CURLcode rc = curl_easy_perform(c);
        pthread_mutex_lock(&mu);
        if (rc == CURLE_OK && strstr(k.buf, "\"pending\""))
            accepted++;
        else
            rejected++;
        pthread_mutex_unlock(&mu);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: via-intake-bench URL FILE THREADS [BATCHES]\n");
        return 2;
    }
    url = argv[1];
    int threads = atoi(argv[3]);
    FILE *f = fopen(argv[2], "r");
    if (!f || threads < 1) return 2;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        lines = realloc(lines, (nlines + 1) * sizeof *lines);
        lines[nlines++] = strndup(line, (size_t)got - (line[got - 1] == '\n'));
    }
    fclose(f);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("intake: %ld of %zu transfers accepted over HTTP by %d client threads in %.2f s: "
           "%.0f per second (%ld rejected)\n",
           accepted, nlines, threads, dt, (double)accepted / dt, rejected);
    if (argc == 5) {
        long want = atol(argv[4]), have = 0;
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(
            c, CURLOPT_POSTFIELDS,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"via_batchNumber\",\"params\":[]}");
        for (;;) {
            sink k = {{0}, 0};
            curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
            const char *r = curl_easy_perform(c) == CURLE_OK ? strstr(k.buf, "\"result\":") : NULL;
            have = r ? atol(r + 9) : 0;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
            if (have >= want || dt > 60) break;
            struct timespec ms = {0, 5000000};
            nanosleep(&ms, NULL);
        }
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        if (have < want) {
            printf("sealed: %ld of %ld batches after %.0f s\n", have, want, dt);
            return 1;
        }
        printf("sealed: %ld batches holding the %zu transfers %.2f s after the first request: "
               "%.0f per second from request to sealed batch\n",
               want, nlines, dt, (double)nlines / dt);
    }
    return accepted == (long)nlines ? 0 : 1;
}
